// The layers as data: each folder of product code, in order from the ground floor up, with what
// it may import. A file that imports a layer above its own, or another wing's internals, fails
// here; docs/architecture.md draws the same list (checked below), so the picture cannot drift.
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { REPO_ROOT } from "../../sandbox/userProject";

interface Layer {
    /** A folder (or a top-level file) of product code. */
    readonly place: string;
    /** Folders and files it may import, besides its own; a folder admits everything under it. */
    readonly mayImport: readonly string[];
}

/** Ground floor first. */
export const LAYERS: readonly Layer[] = [
    { place: "model", mayImport: [] },
    { place: "baselines", mayImport: ["model"] },
    { place: "provider", mayImport: ["model"] },
    // The gate reads the catalog through the provider's edge: its connection and its catalog queries, nothing else.
    { place: "posture", mayImport: ["model", "baselines", "provider/connection.ts", "provider/serverErrors.ts", "provider/catalog"] },
    { place: "review", mayImport: ["model", "baselines"] },
    { place: "policy", mayImport: ["model", "baselines"] },
    // The component composes the resources: their classes and the schemas of their inputs.
    {
        place: "components",
        mayImport: [
            "model",
            "baselines",
            "provider/setting/resource.ts",
            "provider/scopes/resource.ts",
            "provider/exclusive/resource.ts",
            "provider/objectAudit/resource.ts",
            "provider/objectAudit/schema.ts",
        ],
    },
    { place: "bin", mayImport: ["posture", "review", "provider/connection.ts"] },
    { place: "index.ts", mayImport: ["model", "baselines", "provider", "posture", "review", "policy", "components"] },
];

function productFiles(place: string): string[] {
    const full = path.join(REPO_ROOT, place);
    if (fs.statSync(full).isFile()) return [place];
    return fs
        .readdirSync(full, { withFileTypes: true })
        .flatMap((e) =>
            e.isDirectory() ? productFiles(path.join(place, e.name)) : e.name.endsWith(".ts") && !e.name.endsWith(".d.ts") ? [path.join(place, e.name)] : [],
        );
}

/** Relative imports and re-exports of a file, as repository paths of .ts files. */
function importsOf(file: string): string[] {
    const text = fs.readFileSync(path.join(REPO_ROOT, file), "utf8");
    return [...text.matchAll(/(?:^|\n)\s*(?:import|export)\b[^;]*?\sfrom\s+"(\.{1,2}\/[^"]+)"/g)].map((m) => {
        const target = path.normalize(path.join(path.dirname(file), m[1]));
        return fs.existsSync(path.join(REPO_ROOT, `${target}.ts`)) ? `${target}.ts` : path.join(target, "index.ts");
    });
}

const within = (file: string, place: string) => file === place || file.startsWith(`${place}/`);

test("no product file imports a layer above its own or another wing's internals", () => {
    const wrong: string[] = [];
    let seen = 0;
    for (const layer of LAYERS) {
        for (const file of productFiles(layer.place)) {
            for (const target of importsOf(file)) {
                seen++;
                if (within(target, layer.place) || layer.mayImport.some((p) => within(target, p))) continue;
                wrong.push(`${file} imports ${target}`);
            }
        }
    }
    assert.ok(seen > 200, `the imports were read (${seen})`);
    assert.deepEqual(wrong, []);
});

test("every folder of product code has a layer", () => {
    const shipped = (JSON.parse(fs.readFileSync(path.join(REPO_ROOT, "package.json"), "utf8")) as { files: string[] }).files
        .filter((f) => f.startsWith("dist/"))
        .map((f) => f.replace(/^dist\//, "").replace(/\.\*$/, ".ts"));
    assert.deepEqual([...shipped].sort(), LAYERS.map((l) => l.place).sort());
});

test("docs/architecture.md lists the layers in this order", () => {
    const text = fs.readFileSync(path.join(REPO_ROOT, "docs", "architecture.md"), "utf8");
    const section = text.split("\n## The layers\n")[1] ?? "";
    const table = section.slice(section.indexOf("\n|")).split("\n\n")[0];
    const drawn = [...table.matchAll(/^\| \[`([^`]+?)\/?`\]/gm)].map((m) => m[1]);
    assert.deepEqual(
        drawn,
        LAYERS.map((l) => l.place),
    );
});
