// The evidence formats of `pgaudit-posture` (issue 24) on a real PostgreSQL + pgaudit read as
// avnadmin: markdown (parsed with markdown-it as GitHub would, no HTML from names), JUnit,
// --exceptions, and --compare against a previous --json report, after changes made on the server.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import MarkdownIt from "markdown-it";
import { escapeIdentifier } from "pg";
import { closeAllPools } from "../../provider/connection";
import { runPostureCli, EXIT_REQUIREMENT_VIOLATED, EXIT_USAGE_OR_CONNECTION, EXIT_OK } from "../../posture/cli";
import { postureReportSchema } from "../../posture/model";
import { startCluster } from "../../sandbox/cluster";
import { walkMarkdown, type MdToken } from "../support/markdownTokens";

after(closeAllPools);

/** Names a report must show as text: markup, a line break, markdown's table and link syntax. */
const IMG = "<img src=x onerror=alert(1)>";
const NEWLINE = "evil\nrole|*x*[a](http://e)";

async function cli(argv: string[], dir: string) {
    let out = "";
    let err = "";
    const code = await runPostureCli(
        argv,
        {},
        {
            stdout: (t) => (out += t),
            stderr: (t) => (err += t),
            readFile: (p) => fs.readFileSync(p, "utf8"),
            writeFile: (p, t) => fs.writeFileSync(p, t),
        },
    );
    return { code, out, err, dir };
}

test("markdown, junit, --exceptions and --compare on a real server: verdict first, names as text, drift named", async () => {
    const cluster = await startCluster({ settings: { "pgaudit.log": "ddl,role,read,write" } });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pgaudit-report-"));
    try {
        await cluster.sql("CREATE DATABASE shop OWNER avnadmin");
        await cluster.adminSql("CREATE ROLE app LOGIN; CREATE ROLE loader LOGIN");
        const uri = cluster.adminUri("postgres");
        const base = ["--connection", uri, "--baseline", "stig"];

        // The previous report: everything meets the STIG.
        const first = await cli([...base, "--json"], dir);
        assert.equal(first.code, EXIT_OK, first.err);
        const previous = path.join(dir, "previous.json");
        fs.writeFileSync(previous, first.out);
        const before = postureReportSchema.parse(JSON.parse(first.out));
        assert.match(before.posture.pgauditVersion ?? "", /^\d+\.\d+/);
        assert.ok(!Number.isNaN(Date.parse(before.posture.readAt ?? "")));

        // Then: app weakened in shop, loader weakened in shop with an exception, two hostile login roles.
        await cluster.sql("ALTER ROLE app IN DATABASE shop SET pgaudit.log = 'write'");
        await cluster.sql("ALTER ROLE loader IN DATABASE shop SET pgaudit.log = 'ddl'");
        for (const name of [IMG, NEWLINE]) {
            await cluster.adminSql(`CREATE ROLE ${escapeIdentifier(name)} LOGIN`);
            await cluster.sql(`ALTER ROLE ${escapeIdentifier(name)} SET pgaudit.log = 'none'`);
        }
        const exceptions = path.join(dir, "exceptions.json");
        // The policy pack's own configuration file: one list of exceptions for the pack and the gate.
        fs.writeFileSync(
            exceptions,
            JSON.stringify({
                "pgaudit-baseline": {
                    exceptions: [
                        { role: "loader", database: "shop", reason: "SEC-42: bulk loads <b>audited</b> by object audit" },
                        { role: "nobody", reason: "stale" },
                    ],
                },
            }),
        );
        const withEvidence = [...base, "--exceptions", exceptions, "--compare", previous];

        const json = await cli([...withEvidence, "--format", "json"], dir);
        assert.equal(json.code, EXIT_REQUIREMENT_VIOLATED, json.err);
        const report = postureReportSchema.parse(JSON.parse(json.out));
        const b = report.baseline!;
        assert.deepEqual(
            b.excused!.map((v) => [v.rule, v.role, v.database, v.from.kind]),
            [["log-classes", "loader", "shop", "role-in-database"]],
        );
        assert.ok(!b.violations.some((v) => v.role === "loader"), "an excused violation is not counted");
        assert.deepEqual(
            b.exceptions!.map((e) => e.excuses),
            [["log-classes"], []],
        );
        const c = report.changes!;
        assert.deepEqual(c.rolesAdded.sort(), [IMG, NEWLINE].sort());
        assert.deepEqual(c.verdict, { before: "pass", after: "fail" });
        assert.deepEqual(
            c.weakened.map((w) => [w.role, w.database, w.before, w.after, w.lost]).sort(),
            [
                ["app", "shop", "ddl,role,read,write", "write", ["read", "role", "ddl"]],
                ["loader", "shop", "ddl,role,read,write", "ddl", ["read", "write", "role"]],
            ].sort(),
        );
        assert.deepEqual(
            c.newExceptions.map((e) => e.reason),
            ["SEC-42: bulk loads <b>audited</b> by object audit", "stale"],
        );
        assert.equal(c.newViolations.length, b.violations.length);

        // Markdown: verdict first, violations next, the matrix collapsed; only our own HTML.
        const markdown = await cli([...withEvidence, "--format", "markdown"], dir);
        assert.equal(markdown.code, EXIT_REQUIREMENT_VIOLATED, markdown.err);
        const firstLine = markdown.out.split("\n")[0];
        assert.match(firstLine, /^## ❌ pgaudit posture: FAIL \(\d+ violation\(s\)\)$/);
        assert.ok(markdown.out.indexOf("### Violations") < markdown.out.indexOf("<details>"));
        const md = new MarkdownIt({ html: true });
        const tokens = md.parse(markdown.out, {});
        const html: MdToken[] = [];
        const texts: string[] = [];
        walkMarkdown(tokens, (t) => {
            if (t.type === "html_inline" || t.type === "html_block") html.push(t);
            if (t.type === "text") texts.push(t.content);
        });
        assert.deepEqual(
            html.map((t) => t.type + ":" + t.content.trim().replace(/<summary>[^<>]*<\/summary>/, "<summary>…</summary>")),
            ["html_block:<details>\n<summary>…</summary>", "html_block:</details>"],
        );
        // The names come back as the text they are, the line break as \n.
        assert.ok(
            texts.some((t) => t.includes(IMG)),
            "the <img> name is text",
        );
        assert.ok(
            texts.some((t) => t.includes("evil\\nrole|*x*[a](http://e)")),
            "the name with a newline is text",
        );
        assert.ok(
            texts.some((t) => t.includes("SEC-42: bulk loads <b>audited</b>")),
            "an exception's reason is text",
        );
        const rendered = md.render(markdown.out);
        assert.ok(!/<img|<b>|<a /.test(rendered), "no element from a name");
        // Every table row has its header's cell count: a `|` in a name split no cell.
        let header = 0;
        let cells = 0;
        walkMarkdown(tokens, (t) => {
            if (t.type === "tr_open") cells = 0;
            if (t.type === "th_open" || t.type === "td_open") cells++;
            if (t.type === "table_open") header = 0;
            if (t.type === "tr_close") {
                if (header === 0) header = cells;
                else assert.equal(cells, header, "a row has as many cells as its header");
            }
        });
        assert.match(markdown.out, /### Changes since the previous report/);
        assert.match(markdown.out, /\*\*Weakened\*\* \(2\)/);
        assert.ok(markdown.out.length < 65536, "fits a GitHub comment");

        // JUnit: a test case per rule × login role; the weakened role fails, the excused one is skipped.
        const junit = await cli([...withEvidence, "--format", "junit"], dir);
        assert.equal(junit.code, EXIT_REQUIREMENT_VIOLATED);
        const xml = junit.out;
        assert.ok(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<testsuites '));
        const loginRoles = report.posture.roles.filter((r) => r.canLogin).length;
        const suite = xml.match(/<testsuite name="baseline stig: [^"]*" tests="(\d+)" failures="(\d+)" errors="0" skipped="(\d+)"/);
        assert.ok(suite, xml.slice(0, 500));
        assert.equal(Number(suite[1]), b.rules.length * loginRoles);
        assert.equal(Number(suite[3]), 1, "loader's log-classes case is skipped, excused");
        assert.match(
            xml,
            /<testcase classname="pgaudit\.baseline\.stig\.log-classes" name="log-classes \([^"]*\): role app">\n {6}<failure type="lacks-classes" message="1 violation\(s\) in shop">/,
        );
        assert.match(xml, /<skipped message="excused by exception: SEC-42: bulk loads &lt;b&gt;audited&lt;\/b&gt; by object audit"\/>/);
        assert.ok(xml.includes("role &lt;img src=x onerror=alert(1)&gt;"));
        assert.ok(xml.includes("evil\\nrole|*x*[a](http://e)"), "the newline shows as \\n");
        assert.ok(!xml.includes(IMG) && !xml.includes(NEWLINE));
        assert.match(
            xml,
            /<testcase classname="pgaudit\.changes" name="no login role × database pair audits less than before">\n {6}<failure type="weakened" message="2 pair\(s\) weakened">/,
        );

        // Text: the default table says the same.
        const text = await cli(withEvidence, dir);
        assert.match(text.out, /EXCUSED role "loader" in database "shop": pgaudit.log = 'ddl' lacks/);
        assert.match(text.out, /WEAKER {3}role "app" in database "shop": pgaudit.log ddl,role,read,write -> write \(lost read, role, ddl\)/);
        assert.match(text.out, /roles added: .*"<img src=x onerror=alert\(1\)>"/);

        // --out writes the file and says so on stderr, stdout stays empty.
        const out = path.join(dir, "report.md");
        const written = await cli([...withEvidence, "--format", "markdown", "--out", out], dir);
        assert.equal(written.out, "");
        assert.match(written.err, /wrote the markdown report to .*report\.md \(\d+ bytes\)/);
        assert.equal(fs.readFileSync(out, "utf8").split("\n")[0], firstLine);
    } finally {
        await cluster.stop();
        fs.rmSync(dir, { recursive: true, force: true });
    }
});

test("bad --compare, --exceptions and --format inputs are usage errors naming the field, before any connection", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pgaudit-report-args-"));
    try {
        // Port 1 refuses: a usage error must come before any attempt (else it would name the deadline).
        const uri = "postgresql://u:p@127.0.0.1:1/db?sslmode=disable";
        const file = (name: string, text: string) => {
            fs.writeFileSync(path.join(dir, name), text);
            return path.join(dir, name);
        };
        const cases: [string[], RegExp][] = [
            [
                ["--compare", file("bad.json", `{"posture": {"serverVersion": 15}}`)],
                /--compare .*bad\.json: posture\.connectedAs: .*expected a report written by pgaudit-posture --json/,
            ],
            [["--compare", file("notjson.json", "<html>")], /--compare .*notjson\.json: cannot read it as JSON/],
            [["--compare", path.join(dir, "missing.json")], /--compare .*missing\.json: cannot read it \(ENOENT\)/],
            [
                ["--baseline", "stig", "--exceptions", file("ex.json", `[{"role": "app"}]`)],
                /--exceptions .*ex\.json: \[0\]\.reason: is required: say why this scope may be weaker/,
            ],
            [["--baseline", "stig", "--exceptions", file("ex2.json", `[{"reason": "x"}]`)], /\[0\]: name the scope: role, database, or both/],
            [["--exceptions", file("ex3.json", "[]")], /--exceptions excuses scopes from a baseline; give --baseline too/],
            [["--format", "pdf"], /--format: "pdf" is not a format; expected one of text, json, html, markdown, junit/],
            [["--json", "--format", "html"], /--json and --format html ask for two formats/],
        ];
        for (const [argv, expected] of cases) {
            const r = await cli(["--connection", uri, ...argv], dir);
            assert.equal(r.code, EXIT_USAGE_OR_CONNECTION, argv.join(" "));
            assert.match(r.err, expected, argv.join(" "));
            assert.doesNotMatch(r.err, /raise --connect-deadline|ECONNREFUSED/, "no connection was tried");
        }
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
});
