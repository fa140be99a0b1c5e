/**
 * `npm run demo` and `npm run bench` keep working: both are run here as a user runs them (the
 * built entry points, in a child process), the demo on the provider host engine and the bench
 * with a small N. Nothing here looks at times: the bench's figures are for `npm run bench` only.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import path from "node:path";
import { test } from "node:test";

const root = path.resolve(__dirname, "../..");

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

test("npm run demo: applies examples/local through the host and every session is audited as declared", async () => {
    const { code, stdout, stderr } = await run("dist/demo/run.js", ["--engine=host"]);
    assert.equal(code, 0, `${stdout}\n${stderr}`);
    assert.match(stdout, /applying through the SDK's dynamic-provider host/);
    for (const name of ["db-shop", "role-app", "role-reporting", "role-app-in-shop"]) {
        assert.match(stdout, new RegExp(`\\+ ${name} +created`), name);
    }
    // The table: one row per session, each audited as declared.
    assert.match(stdout, /clerk +shop +ddl,role +database "shop" .* 2: ddl role +as declared/);
    assert.match(stdout, /app +shop +read,write +role "app" in database "shop" .* 2: write read +as declared/);
    assert.match(stdout, /app +warehouse +write +role "app" .* 1: write +as declared/);
    assert.match(stdout, /reporting +shop +none +role "reporting" .* 0 +as declared/);
    assert.match(stdout, /AUDIT: SESSION,\d+,1,DDL,CREATE TABLE,,,CREATE TABLE clerk_notes/);
    assert.match(stdout, /every session was audited as declared/);
    assert.match(stdout, /pg_db_role_setting now holds 0 pgaudit entries/);
    assert.match(stdout, /stopping the cluster and removing its files … done/);
    assert.doesNotMatch(stdout + stderr, CREDENTIAL);
    assert.equal(stderr, "");
});

test("npm run bench: a small run completes, checks its own work, and reports every figure", async () => {
    const { code, stdout, stderr } = await run("dist/bench/run.js", ["5"]);
    assert.equal(code, 0, `${stdout}\n${stderr}`);
    for (const row of [
        "psql, one session (baseline)",
        "host: apply (Check + Create)",
        "host: delete",
        "psql, one process per statement",
        "host: preview (Check + Diff), database stopped",
        "floor: do-nothing provider, Check + Create",
        "floor: do-nothing provider, Check + Diff",
    ]) {
        assert.ok(stdout.includes(row), row);
    }
    // Counts, not times: one connection for the psql session, one per psql process, none at preview.
    assert.match(stdout, /psql, one session \(baseline\) .* 1 \(postgres\)\n/);
    assert.match(stdout, /psql, one process per statement .* 5 \(postgres\)\n/);
    assert.match(stdout, /preview \(Check \+ Diff\), database stopped .* 0 attempts\n/);
    assert.match(stdout, /at most 2 server connections per database +[12] +met/);
    assert.match(stdout, /statements per create \(log_statement=all, 5 creates one at a time\): \d/);
    assert.match(stdout, /__provider: \d+ bytes/);
    assert.doesNotMatch(stdout + stderr, CREDENTIAL);
});
