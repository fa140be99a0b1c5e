// The HTML report of a real server's posture opened in a real browser (headless Chromium, Debian's
// `chromium`; the test fails where it is missing): the DOM Chromium built holds the matrix, marks
// the violating cell, shows hostile role names as text (no element injected); a screenshot is a
// real PNG, not blank, with the violating cell's colour in it. The JUnit XML parses in Chromium.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { escapeIdentifier } from "pg";
import { closeAllPools } from "../../provider/connection";
import { runPostureCli, EXIT_REQUIREMENT_VIOLATED } from "../../posture/cli";
import { startCluster } from "../../sandbox/cluster";
import { dumpDom, screenshot } from "../../sandbox/chromium";
import { decodePng, inkedPixels, pixelsNear } from "../support/png";

after(closeAllPools);

const IMG = "<img src=x onerror=alert(1)>";
const NEWLINE = "evil\nrole<script>x</script>";
/** The background of a violating cell (posture/report/html.ts, `.f`). */
const FAIL_RGB: [number, number, number] = [0xf8, 0xc9, 0xc9];

async function cli(argv: string[]): Promise<{ code: number; err: string }> {
    let err = "";
    const code = await runPostureCli(
        argv,
        {},
        {
            stdout: () => undefined,
            stderr: (t) => (err += t),
            readFile: (p) => fs.readFileSync(p, "utf8"),
            writeFile: (p, t) => fs.writeFileSync(p, t),
        },
    );
    return { code, err };
}

/** The cells of the matrix row whose header is `role` (as the DOM serializes it), with the column names. */
function matrixRow(dom: string, roleHtml: string): { databases: string[]; cells: string[] } {
    const table = [...dom.matchAll(/<table class="matrix">(.*?)<\/table>/gs)].map((m) => m[1]).find((t) => t.includes(`<th>${roleHtml}</th>`));
    assert.ok(table, `a matrix row for ${roleHtml}`);
    const databases = [...table.match(/<thead>(.*?)<\/thead>/s)![1].matchAll(/<th>(.*?)<\/th>/g)].map((m) => m[1]).slice(1);
    const row = table.match(new RegExp(`<tr><th>${roleHtml.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}</th>(.*?)</tr>`, "s"))![1];
    return { databases, cells: [...row.matchAll(/<td class="(\w)"/g)].map((m) => m[1]) };
}

test("the HTML report in headless Chromium: matrix, the violating cell marked, hostile names as text, a real screenshot", async () => {
    const cluster = await startCluster({ settings: { "pgaudit.log": "ddl,role,read,write" } });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pgaudit-browser-"));
    try {
        await cluster.sql("CREATE DATABASE shop OWNER avnadmin");
        await cluster.adminSql("CREATE ROLE app LOGIN");
        await cluster.sql("ALTER ROLE app IN DATABASE shop SET pgaudit.log = 'write'");
        for (const name of [IMG, NEWLINE]) await cluster.adminSql(`CREATE ROLE ${escapeIdentifier(name)} LOGIN`);
        const page = path.join(dir, "report.html");
        const base = ["--connection", cluster.adminUri("postgres"), "--baseline", "stig"];
        const wrote = await cli([...base, "--format", "html", "--out", page]);
        assert.equal(wrote.code, EXIT_REQUIREMENT_VIOLATED, wrote.err);

        const { dom } = await dumpDom(page);
        assert.match(dom, /<h1>pgaudit posture: <span class="verdict fail">FAIL<\/span><\/h1>/);
        // The violating cell, and only it, is marked in app's row; its scope is named.
        const app = matrixRow(dom, "app");
        assert.deepEqual(app.databases, ["postgres", "shop", "template1"]);
        assert.deepEqual(app.cells, ["o", "f", "o"]);
        assert.match(
            dom,
            /<td class="f" title="violates; log-classes; from role &quot;app&quot; in database &quot;shop&quot;">✗ write<i>role in database · log-classes<\/i><\/td>/,
        );
        // Hostile names: text in the DOM Chromium built, never an element.
        assert.deepEqual(matrixRow(dom, "&lt;img src=x onerror=alert(1)&gt;").cells, ["o", "o", "o"]);
        assert.deepEqual(matrixRow(dom, "evil\\nrole&lt;script&gt;x&lt;/script&gt;").cells, ["o", "o", "o"]);
        assert.ok(!/<img/i.test(dom), "no <img> element");
        assert.equal([...dom.matchAll(/<script/g)].length, 1, "only the report's own script");
        assert.ok(!dom.includes("evil\nrole"), "the newline is shown as \\n, not kept");

        // A real PNG of the page's size, not blank, showing the violating cell's colour.
        const png = path.join(dir, "report.png");
        await screenshot(page, png, 1280, 1600);
        const image = decodePng(fs.readFileSync(png));
        assert.deepEqual([image.width, image.height], [1280, 1600]);
        const inked = inkedPixels(image) / (image.width * image.height);
        assert.ok(inked > 0.02 && inked < 0.9, `${(inked * 100).toFixed(1)}% of the pixels are not white`);
        assert.ok(pixelsNear(image, FAIL_RGB, 4) > 500, "the violating cell's colour is on screen");

        // JUnit: Chromium's XML parser accepts it, and refuses it once one escape is undone (the check can fail).
        const xml = path.join(dir, "report.xml");
        assert.equal((await cli([...base, "--format", "junit", "--out", xml])).code, EXIT_REQUIREMENT_VIOLATED);
        const parsed = await dumpDom(xml);
        assert.ok(!parsed.dom.includes("parsererror"), parsed.dom.slice(0, 2000));
        assert.match(parsed.dom, /testcase/);
        const broken = path.join(dir, "broken.xml");
        fs.writeFileSync(broken, fs.readFileSync(xml, "utf8").replace("&lt;img", "<img"));
        assert.ok((await dumpDom(broken)).dom.includes("parsererror"));
    } finally {
        await cluster.stop();
        fs.rmSync(dir, { recursive: true, force: true });
    }
});
