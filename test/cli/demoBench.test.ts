/**
 * `npm run demo` and `npm run bench` keep working: both are run here as a user runs them (the
 * built entry points, in a child process), through the real `pulumi` CLI; the bench with a small
 * N. Nothing here looks at times: the bench's figures are for `npm run bench` only.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { test } from "node:test";

const root = path.resolve(__dirname, "../../..");

function run(script: string, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
    return new Promise((resolve, reject) => {
        const child = spawn(process.execPath, [path.join(root, script), ...args], { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
        let stdout = "";
        let stderr = "";
        child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
        child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
        child.once("error", reject);
        child.once("close", (code) => resolve({ code, stdout, stderr }));
    });
}

/** A URI with a password, or a long hex string like the throwaway cluster's generated password. */
const CREDENTIAL = /postgres(?:ql)?:\/\/[^\s:@/]+:[^\s@]+@|\b[0-9a-f]{32}\b/;

test(
    "npm run demo: pulumi up of examples/local, every session audited as declared, drift put back, the posture gate, destroy",
    { timeout: 600_000 },
    async () => {
        const { code, stdout, stderr } = await run("dist/demo/run.js", []);
        assert.equal(code, 0, `${stdout}\n${stderr}`);
        // The CLI's own output, relayed.
        assert.match(stdout, /▸ pulumi up --yes\n[\s\S]*│ .*\+ 6 created/);
        for (const name of ["db-shop", "role-app", "role-reporting", "role-app-in-shop", "shop-cards"]) {
            assert.match(stdout, new RegExp(`│ .*\\+ +pulumi-nodejs:dynamic/pgaudit:\\w+ ${name} created`), name);
        }
        // The table: one row per session, each audited as declared, read from the stack's state.
        assert.match(stdout, /clerk +shop +ddl,role +database "shop" .* 2: ddl role +as declared/);
        assert.match(stdout, /app +shop +read,write +role "app" in database "shop" .* 2: write read +as declared/);
        assert.match(stdout, /app +warehouse +write +role "app" .* 1: write +as declared/);
        assert.match(stdout, /reporting +shop +none +role "reporting" .* 0 +as declared/);
        assert.match(stdout, /AUDIT: SESSION,\d+,1,DDL,CREATE TABLE,,,CREATE TABLE clerk_notes/);
        // Object audit on public.cards: the card number's reads and every change, nothing else.
        assert.match(stdout, /SELECT id, holder FROM cards +→ no AUDIT line +as declared/);
        assert.match(stdout, /SELECT pan FROM cards +→ AUDIT: OBJECT,\d+,1,READ,SELECT,TABLE,public\.cards,.*as declared/);
        assert.match(stdout, /UPDATE cards .*→ AUDIT: OBJECT,\d+,1,WRITE,UPDATE,TABLE,public\.cards,.*as declared/);
        // Drift: refresh shows it, up puts it back, then no changes.
        assert.match(stdout, /▸ pulumi refresh --yes --diff\n[\s\S]*│ +~ \[0\]: "write" => "none"/);
        assert.match(stdout, /role app: \["pgaudit\.log=write"\] \(the declaration is back\)/);
        assert.match(stdout, /▸ pgaudit-posture --require-object public\.cards\(pan\):select,update[\s\S]*?exit status 0/);
        assert.match(stdout, /▸ pgaudit-posture --require ddl,role[\s\S]*?reporting[\s\S]*?exit status 1/);
        assert.match(stdout, /every session was audited as declared/);
        assert.match(stdout, /│ .*- 6 deleted/);
        assert.match(stdout, /pg_db_role_setting now holds 0 pgaudit entries/);
        assert.match(stdout, /stopping the cluster and removing its files … done/);
        // It ends by saying where the report is: the page, its screenshot and the CI summary, on disk.
        const last = stdout.trimEnd().split("\n").at(-1)!;
        const where = /^the audit evidence: open (\S+\.html) in a browser .*; a screenshot of it: (\S+\.png); the CI summary: (\S+\.md)$/.exec(last);
        assert.ok(where, last);
        assert.match(
            fs.readFileSync(where[1], "utf8"),
            /^<!doctype html>\n[\s\S]*<h1>pgaudit posture: <span class="verdict fail">FAIL<\/span><\/h1>[\s\S]*<th>reporting<\/th>/,
        );
        assert.deepEqual([...fs.readFileSync(where[2]).subarray(1, 4)], [...Buffer.from("PNG")]);
        assert.match(fs.readFileSync(where[3], "utf8"), /^## ❌ pgaudit posture: FAIL/);
        assert.doesNotMatch(stdout + stderr, CREDENTIAL);
    },
);

test("npm run bench -- --report: a small run reads a real posture, renders every format and loads the page in Chromium", { timeout: 300_000 }, async () => {
    const { code, stdout, stderr } = await run("dist/bench/run.js", ["--report", "--roles", "20", "--databases", "4", "--runs", "1"]);
    assert.equal(code, 0, `${stdout}\n${stderr}`);
    assert.match(stdout, /^ {2}88 role × database pairs; \d+ violations; 8 pairs weakened since the previous report$/m);
    for (const format of ["html", "markdown", "junit", "json"])
        assert.match(stdout, new RegExp(`^  ${format} +rendered in +[\\d.]+ s: +\\d+ KiB$`, "m"), format);
    assert.match(stdout, /chromium --dump-dom: [\d.]+ s on the report vs [\d.]+ s on a tiny page .*the DOM holds 88 matrix cells/);
});

test("npm run bench: a small run through the CLI completes, checks its own work, and reports every figure", { timeout: 900_000 }, async () => {
    // One mode keeps it short: both modes run the same code, with another environment.
    const { code, stdout, stderr } = await run("dist/bench/run.js", [
        "--n",
        "3",
        "--scopes-n",
        "20",
        "--groups-n",
        "30",
        "--repeat",
        "2",
        "--modes",
        "skip-checkpoints",
    ]);
    assert.equal(code, 0, `${stdout}\n${stderr}`);
    assert.match(stdout, /N = 3, PULUMI_SKIP_CHECKPOINTS=true/);
    for (const command of ["up", "preview", "refresh", "change-all", "destroy"]) {
        assert.match(stdout, new RegExp(`^  ${command} +`, "m"), command);
    }
    // Counts, not times: preview opens no connection; one PgAuditScopes opens one per command.
    assert.match(stdout, /^ {2}preview .* 0 \/ 0$/m);
    assert.match(stdout, /^ {2}up .* \d+ \/ 1$/m);
    assert.match(stdout, /state per resource: PgAuditSetting \d+ B, do-nothing \d+ B; PgAuditScopes \d+ B per scope/);
    // PgAuditScopes alone, with the one-change review: the changed scope is bench_0.
    assert.match(stdout, /N = 20 scopes, PgAuditScopes only, PULUMI_SKIP_CHECKPOINTS=true; median of 2 runs/);
    assert.match(stdout, /N = 30 members of one group scope, PgAuditScopes, PULUMI_SKIP_CHECKPOINTS=true; median of 2 runs/);
    assert.match(
        stdout,
        /one scope changed: preview --diff [\d.]+ s, \d+ lines; pgaudit-review [\d.]+ s, 2 lines:\n {4}pgaudit-review: ok: 1 scope changes in 1 resource, none weakens auditing\n {6}changes role "bench_0": log=write → log=write,role/,
    );
    assert.match(stdout, /every step was checked against the catalog/);
    assert.doesNotMatch(stdout + stderr, CREDENTIAL);
});
