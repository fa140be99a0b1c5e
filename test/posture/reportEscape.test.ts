// The report's escapes, pure: any string (markup, markdown syntax, URLs, control and bidi
// characters) reads back as exactly safeText of itself, through markdown-it as GitHub-flavoured
// as it gets (raw HTML allowed, autolinks on), and through an HTML/XML entity decoder.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import MarkdownIt from "markdown-it";
import { safeText } from "../../posture/displayText";
import { html, markdown } from "../../posture/report/escape";
import { walkMarkdown } from "../support/markdownTokens";

/** Strings rich in what markup gives a meaning to, plus any unicode. */
const hostile = fc.oneof(
    fc.string({ unit: fc.constantFrom(..."<>&\"'`*_[]()|~$.:@#!-+=\\/\n\r\t\u202e\u0000 aZ09".split("")), maxLength: 40 }),
    fc.string({ unit: "grapheme", maxLength: 20 }),
    fc.constantFrom(
        "<img src=x onerror=alert(1)>",
        "[a](http://e)",
        "www.example.com",
        "a@b.co",
        "http://x.y/z",
        "$x^2$",
        "| a | b |",
        "<!-- c -->",
        "&amp;",
        "&#60;b&#62;",
    ),
);

const ENTITIES: Record<string, string> = { "&amp;": "&", "&lt;": "<", "&gt;": ">", "&quot;": '"', "&#39;": "'" };

test("html(): no markup character survives, and the entities decode to safeText of the input", () => {
    fc.assert(
        fc.property(hostile, (s) => {
            const out = html(s);
            assert.ok(!/[<>"']/.test(out), out);
            assert.ok(!/&(?!amp;|lt;|gt;|quot;|#39;)/.test(out), out);
            assert.equal(
                out.replace(/&(amp|lt|gt|quot|#39);/g, (e) => ENTITIES[e]),
                safeText(s),
            );
        }),
        { numRuns: 500 },
    );
});

test("markdown(): in a paragraph and in a table cell, markdown-it reads plain text equal to safeText of the input", () => {
    const md = new MarkdownIt({ html: true, linkify: true });
    fc.assert(
        fc.property(hostile, (s) => {
            for (const [doc, expected] of [
                [`text ${markdown(s)} end`, `text ${safeText(s)} end`],
                [`| a | b |\n| --- | --- |\n| x ${markdown(s)} | y |`, null],
            ] as const) {
                const tokens = md.parse(doc, {});
                const kinds = new Set<string>();
                let text = "";
                let cells = 0;
                walkMarkdown(tokens, (t) => {
                    kinds.add(t.type);
                    if (t.type === "text") text += t.content;
                    if (t.type === "softbreak" || t.type === "hardbreak") text += "\n";
                    if (t.type === "td_open") cells++;
                });
                for (const k of ["html_inline", "html_block", "link_open", "image", "em_open", "strong_open", "code_inline", "s_open"])
                    assert.ok(!kinds.has(k), `${k} from ${JSON.stringify(s)}`);
                if (expected !== null) assert.equal(text.trim(), expected.trim());
                else {
                    assert.equal(cells, 2, `a | in ${JSON.stringify(s)} split no cell`);
                    assert.equal(text, `ab${`x ${safeText(s)}`.trim()}y`, `cell text of ${JSON.stringify(s)}`);
                }
            }
        }),
        { numRuns: 500 },
    );
});
