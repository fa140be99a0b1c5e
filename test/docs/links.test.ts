// Every relative link of the README and docs/ leads somewhere: the file exists, and an anchor
// names a heading of that file (GitHub's slugs: lower case, punctuation dropped, spaces to -).
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { REPO_ROOT } from "../../sandbox/userProject";

function slug(heading: string): string {
    return heading
        .trim()
        .toLowerCase()
        .replace(/[^\p{L}\p{N}\s_-]/gu, "")
        .replace(/\s/g, "-");
}

/** The anchors of a Markdown file's headings, outside code blocks. */
function anchors(file: string): Set<string> {
    const seen = new Map<string, number>();
    const out = new Set<string>();
    let fenced = false;
    for (const line of fs.readFileSync(file, "utf8").split("\n")) {
        if (/^\s*```/.test(line)) fenced = !fenced;
        const m = !fenced && /^#{1,6}\s+(.*)$/.exec(line);
        if (!m) continue;
        const base = slug(m[1]);
        const n = seen.get(base) ?? 0;
        seen.set(base, n + 1);
        out.add(n === 0 ? base : `${base}-${n}`);
    }
    return out;
}

const documents = [
    "README.md",
    ...fs
        .readdirSync(path.join(REPO_ROOT, "docs"))
        .filter((f) => f.endsWith(".md"))
        .map((f) => `docs/${f}`),
];

test("every relative link and anchor of the README and docs/ resolves", () => {
    const broken: string[] = [];
    let checked = 0;
    for (const doc of documents) {
        const file = path.join(REPO_ROOT, doc);
        let fenced = false;
        for (const [i, line] of fs.readFileSync(file, "utf8").split("\n").entries()) {
            if (/^\s*```/.test(line)) fenced = !fenced;
            if (fenced) continue;
            for (const [, target] of line.matchAll(/\]\(([^)\s]+)\)/g)) {
                if (/^(https?:|mailto:)/.test(target)) continue;
                checked++;
                const [where, anchor] = target.split("#");
                const resolved = where ? path.resolve(path.dirname(file), where) : file;
                if (!fs.existsSync(resolved)) broken.push(`${doc}:${i + 1}: ${target} (no such file)`);
                else if (anchor && !(resolved.endsWith(".md") && anchors(resolved).has(anchor))) broken.push(`${doc}:${i + 1}: ${target} (no such heading)`);
            }
        }
    }
    assert.ok(checked > 20, `only ${checked} links checked`);
    assert.deepEqual(broken, []);
});

test("every page of docs/ is linked from the README", () => {
    const readme = fs.readFileSync(path.join(REPO_ROOT, "README.md"), "utf8");
    const unlinked = documents.filter((d) => d.startsWith("docs/") && !readme.includes(`](${d})`));
    assert.deepEqual(unlinked, []);
});
