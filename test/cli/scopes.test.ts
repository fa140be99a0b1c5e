// examples/scopes through the real `pulumi` CLI, in a user's project that installed the package
// from its tarball, on PostgreSQL 15 logging every statement: what `preview --diff` and
// `refresh --diff` print for one scope out of 50, drift put back, switching a deployed stack
// between one PgAuditScopes and one PgAuditSetting per scope in both directions without a single
// RESET (with the retain step, and without it: the owner records keep the old delete's hands off),
// and the checkpoint's bytes per scope at 50, 100 and 200 scopes.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { startCluster, type TestCluster } from "../../sandbox/cluster";
import { PulumiWorkspace, type CliRun, type Deployment } from "../../sandbox/pulumiCli";
import { createUserProject, REPO_ROOT, type UserProject } from "../../sandbox/userProject";
import { auditLinesOf, pgauditCatalog } from "../support/scopes";
import { scopeMapOf } from "../support/scopesStack";

const STACK = "dev";
const COUNT = 50;
const SCOPES_TYPE = "pulumi-nodejs:dynamic/pgaudit:PgAuditScopes";
const SETTING_TYPE = "pulumi-nodejs:dynamic/pgaudit:PgAuditSetting";

let cluster: TestCluster;
let project: UserProject;
let workspace: PulumiWorkspace;

const pulumi = (args: string[], opts: { allowFailure?: boolean } = {}): Promise<CliRun> => workspace.run([...args, "--stack", STACK], opts);

before(async () => {
    cluster = await startCluster({ settings: { log_statement: "all" } });
    const roles = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `CREATE ROLE ${prefix}${i} LOGIN;`).join("\n");
    await cluster.sql(roles("scope_role_", COUNT) + roles("big_", 200));
    await cluster.sql(`CREATE TABLE audit_probe (t text); GRANT SELECT ON audit_probe TO PUBLIC`);
    project = await createUserProject({ name: "pgaudit-scopes" });
    for (const file of ["index.ts", "Pulumi.yaml"]) project.writeFile(file, fs.readFileSync(path.join(REPO_ROOT, "examples", "scopes", file), "utf8"));
    workspace = new PulumiWorkspace(project.dir);
    await workspace.initStack(STACK, { plain: { count: String(COUNT) }, secrets: { connection: cluster.adminUri() } });
});
after(async () => {
    workspace?.remove();
    project?.remove();
    await cluster?.stop();
});

/** pgauditCatalog's text for roles scope_role_0…49 holding `ddl,role`, except those in `except`. */
function expectedCatalog(except: Record<number, string> = {}): string {
    return Array.from({ length: COUNT }, (_, i) => `role scope_role_${i}: pgaudit.log=${except[i] ?? "ddl,role"}`)
        .sort()
        .join("\n");
}

/** The audit classes a new session of `role` writes for a read and a DDL statement. */
async function classesAudited(role: string): Promise<string[]> {
    const lines = await auditLinesOf(cluster, role, "postgres", ["SELECT * FROM audit_probe", "CREATE TEMP TABLE probe_t (i int)"]);
    return lines.map((l) => l.split("AUDIT: ")[1].split(",")[3]);
}

/** Each `~ scopes : (json) {` block the CLI printed, as its entry lines (the values are one-line strings). */
function scopesBlocks(stdout: string): string[][] {
    const blocks: string[][] = [];
    let current: string[] | undefined;
    for (const line of stdout.split("\n")) {
        if (current === undefined) {
            // The engine holds the scopes as one JSON text; the CLI diffs it as the object it holds.
            if (/^\s*~ scopes\s*: \(json\) \{$/.test(line)) current = [];
        } else if (/^\s*\}$/.test(line)) {
            blocks.push(current);
            current = undefined;
        } else current.push(line.trim());
    }
    return blocks;
}

/** ALTER ROLE/DATABASE statements the server ran since `offset` (log_statement = all; a batch spans lines). */
function altersSince(offset: number): string[] {
    const text = fs.readFileSync(cluster.logFile).subarray(offset).toString("utf8");
    return [...text.matchAll(/ALTER (?:ROLE|DATABASE) [^;\n]*/g)].map((m) => m[0]);
}

/** A resource of `pulumi stack export`, the fields these tests read. */
interface ExportedResource {
    type: string;
    urn: string;
    retainOnDelete?: boolean;
    inputs: { scopes?: string };
    outputs: { scopes?: string };
}
const resourcesOf = (deployment: Deployment, type: string) => (deployment.resources ?? []).filter((r) => r.type === type) as ExportedResource[];

test("preview --diff names the one changed scope on its line; up applies it and sessions audit the new classes", { timeout: 300_000 }, async () => {
    const up = await pulumi(["up", "--yes"]);
    assert.match(up.stdout, /\+ 2 created/, "the stack and the one PgAuditScopes");
    assert.equal(await pgauditCatalog(cluster), expectedCatalog());
    assert.deepEqual(await classesAudited("scope_role_3"), ["DDL"]);

    await pulumi(["config", "set", "changedIndex", "3"]);
    const diff = await pulumi(["preview", "--diff"]);
    const [block, ...more] = scopesBlocks(diff.stdout);
    assert.ok(block !== undefined && more.length === 0, `one ~ scopes block:\n${diff.stdout}`);
    assert.equal(block.length, COUNT, "the CLI prints every scope of the changed input");
    const marked = block.filter((l) => l.startsWith("~"));
    assert.equal(marked.length, 1, marked.join("\n"));
    assert.match(marked[0], /^~ role\/scope_role_3 *: "log=ddl,role" => "log=read"$/);
    for (const line of block.filter((l) => !l.startsWith("~"))) assert.match(line, /^role\/scope_role_\d+ *: "log=ddl,role"$/);
    assert.match(diff.stdout, /~ 1 to update/);

    const plain = await pulumi(["preview"]);
    assert.match(plain.stdout, /~ +pulumi-nodejs:dynamic\/pgaudit:PgAuditScopes scopes update \[diff: ~scopes\]/);
    assert.deepEqual(scopesBlocks(plain.stdout), [], "without --diff the scopes are not listed");

    const apply = await pulumi(["up", "--yes"]);
    assert.match(apply.stdout, /~ 1 updated/);
    assert.equal(await pgauditCatalog(cluster), expectedCatalog({ 3: "read" }));
    assert.deepEqual(await classesAudited("scope_role_3"), ["READ"]);
    assert.deepEqual(await classesAudited("scope_role_4"), ["DDL"], "the other scopes kept theirs");
});

test("drift typed by hand: refresh --diff shows that scope alone, up puts it back", { timeout: 300_000 }, async () => {
    await cluster.sql(`ALTER ROLE scope_role_7 SET pgaudit.log = 'none'`);
    assert.deepEqual(await classesAudited("scope_role_7"), [], "the drift is real");

    const refresh = await pulumi(["refresh", "--diff", "--yes"]);
    const blocks = scopesBlocks(refresh.stdout);
    assert.ok(blocks.length > 0, refresh.stdout);
    for (const block of blocks) {
        const marked = block.filter((l) => l.startsWith("~"));
        assert.equal(marked.length, 1, marked.join("\n"));
        assert.match(marked[0], /^~ role\/scope_role_7 *: "log=ddl,role" => "log=none"$/);
    }
    assert.match(refresh.stdout, /~ 1 updated/);

    const up = await pulumi(["up", "--yes"]);
    assert.match(up.stdout, /~ 1 updated/);
    assert.equal(await pgauditCatalog(cluster), expectedCatalog({ 3: "read" }));
    assert.deepEqual(await classesAudited("scope_role_7"), ["DDL"]);
    await pulumi(["preview", "--expect-no-changes"]);
});

test("switching shapes both ways in two ups each: options-only step saved, then no ALTER at all, nothing RESET", { timeout: 400_000 }, async () => {
    const catalog = await pgauditCatalog(cluster);
    assert.equal(catalog, expectedCatalog({ 3: "read" }));

    // PgAuditScopes → PgAuditSetting. Step 1: only the resource option changes.
    let offset = cluster.logOffset();
    await pulumi(["config", "set", "retain", "true"]);
    const retain = await pulumi(["up", "--yes"]);
    assert.match(retain.stdout, /2 unchanged/, "the CLI reports an options-only change as unchanged");
    const [held] = resourcesOf((await workspace.exportStack(STACK)).deployment, SCOPES_TYPE);
    assert.equal(held.retainOnDelete, true, "… and saves it all the same");

    // Step 2: creates first (they find their values there: no adopt, no write), then the retained delete.
    await pulumi(["config", "set-all", "--plaintext", "shape=PgAuditSetting", "--plaintext", "retain=false"]);
    const toSettings = await pulumi(["up", "--yes"]);
    assert.match(toSettings.stdout, new RegExp(`\\+ ${COUNT} created`));
    assert.match(toSettings.stdout, /- 1 deleted/);
    assert.match(toSettings.stdout, /PgAuditScopes scopes deleted \([\d.]+s\) ?\[retain\]/);
    assert.deepEqual(altersSince(offset), [], "no ALTER, so no RESET, during either up");
    assert.equal(await pgauditCatalog(cluster), catalog);

    // PgAuditSetting → PgAuditScopes, the same two steps.
    offset = cluster.logOffset();
    await pulumi(["config", "set", "retain", "true"]);
    const retainEach = await pulumi(["up", "--yes"]);
    assert.match(retainEach.stdout, new RegExp(`${COUNT + 1} unchanged`));
    const settings = resourcesOf((await workspace.exportStack(STACK)).deployment, SETTING_TYPE);
    assert.equal(settings.length, COUNT);
    assert.deepEqual(
        settings.filter((r) => r.retainOnDelete !== true).map((r) => r.urn),
        [],
    );

    await pulumi(["config", "set-all", "--plaintext", "shape=PgAuditScopes", "--plaintext", "retain=false"]);
    const toScopes = await pulumi(["up", "--yes"]);
    assert.match(toScopes.stdout, /\+ 1 created/);
    assert.match(toScopes.stdout, new RegExp(`- ${COUNT} deleted`));
    assert.equal((toScopes.stdout.match(/PgAuditSetting role-scope_role_\d+ deleted \([\d.]+s\) ?\[retain\]/g) ?? []).length, COUNT);
    assert.deepEqual(altersSince(offset), [], "no ALTER, so no RESET, during either up");
    assert.equal(await pgauditCatalog(cluster), catalog);
    await pulumi(["preview", "--expect-no-changes"]);
});

test(
    "the same switch without the retain step: creates first, then the old delete, which finds the scopes taken and resets nothing",
    { timeout: 400_000 },
    async () => {
        const offset = cluster.logOffset();
        await pulumi(["config", "set", "shape", "PgAuditSetting"]);
        const up = await pulumi(["up", "--yes"]);
        assert.match(up.stdout, new RegExp(`\\+ ${COUNT} created`));
        assert.match(up.stdout, /- 1 deleted/);
        assert.doesNotMatch(up.stdout, /\[retain\]/);
        // The engine's order: every create, then the removed resource's delete.
        assert.ok(up.stdout.lastIndexOf("PgAuditSetting role-scope_role_") < up.stdout.indexOf("PgAuditScopes scopes deleted"), up.stdout);
        assert.deepEqual(altersSince(offset), [], "no ALTER: the creates found their values, the delete found them held by the new resources");
        assert.equal(await pgauditCatalog(cluster), expectedCatalog({ 3: "read" }));
        assert.deepEqual(await classesAudited("scope_role_4"), ["DDL"]);
        await pulumi(["preview", "--expect-no-changes"]);
        await pulumi(["refresh", "--yes", "--expect-no-changes"]);
    },
);

test("state through the real checkpoint: bytes per scope constant from 50 to 200 scopes, under 300", { timeout: 400_000 }, async (t) => {
    const stack = "big";
    await workspace.initStack(stack, { plain: { rolePrefix: "big_" }, secrets: { connection: cluster.adminUri() } });
    const sizes: { n: number; exported: number; resource: number }[] = [];
    for (const n of [50, 100, 200]) {
        await workspace.run(["config", "set", "count", String(n), "--stack", stack]);
        await workspace.run(["up", "--yes", "--stack", stack]);
        const { text } = await workspace.exportStack(stack);
        // The export is JSON.stringify(…, null, 4): the resource's own share is what removing it saves.
        const whole = JSON.parse(text) as { deployment: Deployment };
        assert.equal(JSON.stringify(whole, null, 4) + "\n", text, "stack export's layout");
        const resources = whole.deployment.resources ?? [];
        const [scopes] = resourcesOf(whole.deployment, SCOPES_TYPE);
        assert.equal(Object.keys(scopeMapOf(scopes.outputs.scopes)).length, n);
        assert.equal(scopes.inputs.scopes, scopes.outputs.scopes, "inputs and outputs hold the same text");
        const without = { ...whole, deployment: { ...whole.deployment, resources: resources.filter((r) => r !== scopes) } };
        sizes.push({ n, exported: Buffer.byteLength(text), resource: Buffer.byteLength(text) - Buffer.byteLength(JSON.stringify(without, null, 4) + "\n") });
    }
    assert.equal((await pgauditCatalog(cluster)).split("\n").filter((l) => l.startsWith("role big_")).length, 200);
    const perScope = (key: "exported" | "resource", a: number, b: number) => (sizes[b][key] - sizes[a][key]) / (sizes[b].n - sizes[a].n);
    const report: string[] = [];
    for (const key of ["resource", "exported"] as const) {
        const [low, high] = [perScope(key, 0, 1), perScope(key, 1, 2)];
        report.push(`${key}: ${sizes.map((s) => `${s.n}→${s[key]} B`).join(", ")}; ${low} then ${high} B per scope`);
        assert.ok(high < 300 && low < 300, report.join("\n"));
        // Linear: the keys of scopes 100–199 are one digit longer (in inputs and outputs), nothing else grows.
        assert.ok(Math.abs(high - low) <= 4, report.join("\n"));
    }
    t.diagnostic(report.join("; "));
});
