/**
 * Text from the catalog made safe for a terminal. Role and database names may hold anything but
 * NUL: newlines that would forge table rows, ANSI escapes that recolour or erase a CI log,
 * bidi overrides that reorder what a reader sees. Each such character is shown as an escape
 * (`\n`, `\u{1b}`); everything else, non-ASCII letters included, is shown as is.
 */

/** Control characters (C0, DEL, C1), format characters (bidi, zero-width) and line/paragraph separators. */
const UNSAFE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/gu;

const NAMED: Record<string, string> = { "\n": "\\n", "\r": "\\r", "\t": "\\t" };

function escapeChar(ch: string): string {
    return NAMED[ch] ?? `\\u{${ch.codePointAt(0)!.toString(16)}}`;
}

/** Escapes the characters that could change what a terminal shows; the rest is kept. */
export function safeText(text: string): string {
    return text.replace(UNSAFE, escapeChar);
}

/** A name as a table cell: bare when it is plain, else double-quoted with `"` and `\` escaped. */
export function displayName(name: string): string {
    if (/^[\p{L}\p{N}_$.-]+$/u.test(name)) return name;
    return quoteName(name);
}

/** A name inside a sentence: always double-quoted, so where it starts and ends is unambiguous. */
export function quoteName(name: string): string {
    return `"${safeText(name.replace(/\\/g, "\\\\").replace(/"/g, '\\"'))}"`;
}

/** Columns a text takes, counted in code points (wide East Asian characters count as one). */
export function displayWidth(text: string): number {
    let width = 0;
    for (const _ of text) width++;
    return width;
}

/** A setting's value inside a sentence, as SQL would write it: `'ddl, role'`, `''`. */
export function quoteValue(value: string): string {
    return `'${safeText(value.replace(/'/g, "''"))}'`;
}
