/**
 * Catalog text made safe for the report's markup. Names may hold anything but NUL: `<`, `&` and
 * quotes that would become tags or attributes in HTML, `|`, `*`, `[` that would become tables,
 * emphasis or links in markdown, and line breaks that would end a cell. Each first goes through
 * safeText (control, format and separator characters shown as escapes such as `\n`), then through
 * the markup's own escapes, so it always reads as the text it is.
 */
import { safeText } from "../displayText";

const HTML: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

/** Text for HTML element content and quoted attribute values. */
export function html(text: string): string {
    return safeText(text).replace(/[&<>"']/g, (ch) => HTML[ch]);
}

/**
 * Text for a markdown paragraph, list item or table cell, never at the start of a line (the
 * formats always write something before it, so `#`, `-`, `1.` cannot start a block). Backslash-
 * escaped: code, emphasis, links, strikethrough, math (`$`, GitHub), table cells (`|`), and the
 * `.`, `:`, `@` of URLs and addresses GitHub would turn into links; `<`, `>` and `&` become
 * entities, so that no parser (nor GitHub's) sees a tag.
 */
export function markdown(text: string): string {
    return safeText(text).replace(/[\\`*_[\]|~$.:@<>&]/g, (ch) => (ch === "<" || ch === ">" || ch === "&" ? HTML[ch] : `\\${ch}`));
}

/** Text for XML content and attribute values (JUnit): the five entities, control characters escaped by safeText first. */
export function xml(text: string): string {
    return html(text);
}
