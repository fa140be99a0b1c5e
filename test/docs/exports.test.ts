// Every name a public entry point exports says in a doc comment what it is for, and is listed in
// docs/exports.md under its entry point.
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { REPO_ROOT } from "../../sandbox/userProject";
import { exportedSurface } from "../support/exportedSurface";

const surface = exportedSurface();

test("every export has a doc comment", () => {
    const bare = Object.entries(surface).flatMap(([entry, names]) => names.filter((n) => n.summary === "").map((n) => `${entry}: ${n.name}`));
    assert.ok(Object.values(surface).flat().length > 50, "the surface was read");
    assert.deepEqual(bare, []);
});

test("docs/exports.md lists every export under its entry point, and nothing that is not exported", () => {
    const text = fs.readFileSync(path.join(REPO_ROOT, "docs", "exports.md"), "utf8");
    for (const [entry, names] of Object.entries(surface)) {
        const section = text.split(`\n## \`${entry}\`\n`)[1]?.split("\n## ")[0];
        assert.ok(section, `docs/exports.md has a section ## \`${entry}\``);
        const listed = [...section.matchAll(/^- `([^`]+)`/gm)].map((m) => m[1]).sort();
        assert.deepEqual(listed, names.map((n) => n.name).sort(), entry);
    }
});
