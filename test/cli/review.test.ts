// `pulumi preview --json | npx pgaudit-review` on what the real CLI prints: a stack of one
// PgAuditSetting and one PgAuditScopes of 2,000 scopes is `up`-ed on a real PostgreSQL, then
// changed (one scope weakened among 2,000, one added, one removed, a PgAuditSetting renamed with
// its settings kept, settings unknown at preview, settings given as a secret); and PgAuditLogging's
// preview through the real Aiven plugin. Nothing here writes a preview by hand.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { startCluster, type TestCluster } from "../../sandbox/cluster";
import { PulumiWorkspace } from "../../sandbox/pulumiCli";
import { createUserProject, type UserProject } from "../../sandbox/userProject";

const STACK = "dev";
const COUNT = 2000;

let cluster: TestCluster;
let project: UserProject;
let workspace: PulumiWorkspace;

const program = (body: string) => `import * as pulumi from "@pulumi/pulumi";
import * as aiven from "@pulumi/aiven";
import { PgAuditLogging } from "pulumi-aiven-pgaudit";
import { PgAuditSetting, PgAuditScopes } from "pulumi-aiven-pgaudit/provider";
const connection = new pulumi.Config().requireSecret("connection");
const roles = (n: number, log: string[]) => Array.from({ length: n }, (_, i) => ({ role: "r" + i, settings: { log } }));
${body}
`;

const BASE = `
new PgAuditSetting("app", { connection, role: "app", settings: { log: ["all"] } });
new PgAuditSetting("etl", { connection, role: "etl", settings: { log: ["ddl", "role", "read", "write"] } });
new PgAuditScopes("many", { connection, scopes: [...roles(${COUNT}, ["ddl", "role"]), { database: "shop", settings: { log: ["write"] } }] });
`;

before(async () => {
    cluster = await startCluster();
    await cluster.adminSql("CREATE DATABASE shop");
    await cluster.adminSql(["app", "etl", ...Array.from({ length: COUNT }, (_, i) => `r${i}`)].map((r) => `CREATE ROLE ${r} LOGIN;`).join("\n"));
    project = await createUserProject({ name: "pgaudit-review", program: program(BASE) });
    workspace = new PulumiWorkspace(project.dir);
    await workspace.installAivenPlugin();
    await workspace.initStack(STACK, { secrets: { connection: cluster.adminUri(), "aiven:apiToken": "not-used-at-preview" } });
    await workspace.run(["up", "--yes", "--skip-preview", "--stack", STACK]);
});
after(async () => {
    workspace?.remove();
    project?.remove();
    await cluster?.stop();
});

/** `pulumi preview --json` of `body`, saved as a user's pipeline would, then `pgaudit-review ARGS` on it. */
async function review(body: string, args: string[] = []): Promise<{ code: number; out: string; previewLines: number }> {
    project.writeFile("index.ts", program(body));
    const preview = await workspace.run(["preview", "--json", "--stack", STACK], { allowFailure: true });
    assert.equal(preview.code, 0, preview.stdout + preview.stderr);
    project.writeFile("preview.json", preview.stdout);
    const diff = await workspace.run(["preview", "--diff", "--stack", STACK]);
    const run = spawnSync(path.join(project.dir, "node_modules", ".bin", "pgaudit-review"), ["--file", "preview.json", ...args], {
        cwd: project.dir,
        encoding: "utf8",
    });
    assert.equal(run.stderr, "");
    return { code: run.status ?? -1, out: run.stdout, previewLines: diff.stdout.split("\n").length };
}

test("an unchanged stack: no pgaudit scope changes", async () => {
    const r = await review(BASE, ["--fail-on-weaken"]);
    assert.equal(r.code, 0);
    assert.equal(r.out, "pgaudit-review: no pgaudit scope changes\n");
});

test(`one scope weakened among ${COUNT}, one added, one removed, a rename that keeps its settings: a few lines, the weakening first`, async () => {
    const body = `
new PgAuditSetting("app-renamed", { connection, role: "app", settings: { log: ["all"] } });
new PgAuditSetting("etl", { connection, role: "etl", settings: { log: ["ddl", "role", "read", "write"] } });
const scopes = roles(${COUNT}, ["ddl", "role"]);
scopes[1234] = { role: "r1234", settings: { log: ["ddl"], logCatalog: false } as any };
new PgAuditScopes("many", { connection, scopes: [...scopes, { database: "postgres", settings: { log: ["ddl", "role", "read", "write"] } }] });
`;
    const r = await review(body);
    assert.equal(r.code, 0, "without --fail-on-weaken the review only reports");
    assert.equal(
        r.out,
        [
            `pgaudit-review: WEAKENS auditing: 2 weakening, 3 scopes change in 3 resources`,
            `  WEAKENS database "shop": log=write  [PgAuditScopes "many"]`,
            `          reset: its sessions fall back to the database or server values`,
            `  WEAKENS role "r1234": log=ddl,role → log=ddl; logCatalog=false  [PgAuditScopes "many"]`,
            `          loses role`,
            `          pgaudit.log_catalog off`,
            `  adds    database "postgres": log=ddl,role,read,write  [PgAuditScopes "many"]`,
            ``,
        ].join("\n"),
    );
    // What the CLI's own diff prints for the same preview: every scope of the changed input.
    assert.ok(r.previewLines > COUNT, `preview --diff printed ${r.previewLines} lines`);
    const failing = await review(body, ["--fail-on-weaken"]);
    assert.equal(failing.code, 1);
});

test("--baseline adds what the preview leaves below it; --format markdown renders names as text", async () => {
    const r = await review(
        `
new PgAuditSetting("app", { connection, role: "app", settings: { log: ["all"] } });
new PgAuditSetting("etl", { connection, role: "etl", settings: { log: ["read"] } });
new PgAuditScopes("many", { connection, scopes: [...roles(${COUNT}, ["ddl", "role"]), { database: "shop", settings: { log: ["write"] } }] });
`,
        ["--baseline", "cis", "--format", "markdown"],
    );
    assert.equal(
        r.out,
        [
            `**pgaudit-review: WEAKENS auditing: 1 weakening, 1 scope changes in 1 resource**`,
            ``,
            `| | scope | before | after | weakens | resource |`,
            `| --- | --- | --- | --- | --- | --- |`,
            `| ⚠️ | role "etl" | log=ddl,role,read,write | log=read | loses write, role, ddl<br>below cis rule "log-classes" (3.2): lacks ddl, write | PgAuditSetting "etl" |`,
            ``,
        ].join("\n"),
    );
});

test("settings unknown at preview or shown as [secret] cannot be reviewed: a weakening, so --fail-on-weaken fails closed", async () => {
    const r = await review(
        `
const svc = new aiven.Pg("svc", { project: "p", plan: "startup-4", serviceName: "svc", pgUserConfig: { pgVersion: "16", pgaudit: { featureEnabled: true, logs: ["all"] } } });
new PgAuditSetting("app", { connection, role: "app", settings: svc.serviceHost.apply(() => ({ log: ["all"] })) });
new PgAuditSetting("etl", { connection, role: "etl", settings: pulumi.secret({ log: ["ddl", "role", "read", "write", "function"] }) });
new PgAuditScopes("many", { connection, scopes: [...roles(${COUNT}, ["ddl", "role"]), { database: "shop", settings: { log: ["write"] } }] });
`,
        ["--fail-on-weaken"],
    );
    assert.equal(r.code, 1, r.out);
    assert.match(r.out, /^pgaudit-review: WEAKENS auditing: 2 weakening, /);
    assert.match(r.out, /\n {2}WEAKENS role "app" {2}\[PgAuditSetting "app"\]\n {10}cannot be reviewed: settings is unknown at preview\n/);
    assert.match(
        r.out,
        /\n {2}WEAKENS role "etl" {2}\[PgAuditSetting "etl"\]\n {10}cannot be reviewed: settings is a secret the preview does not show \(--show-secrets shows it\)\n/,
    );
    assert.match(r.out, /adds {4}server \(aiven\.Pg "svc"\): log=all {2}\[aiven\.Pg "svc"\]/);
});

test("PgAuditLogging's preview through the Aiven plugin: the service block and the scopes of its default PgAuditScopes", async () => {
    const r = await review(
        BASE +
            `
new PgAuditLogging("audit", { project: "p", service: { serviceName: "orders-pg", plan: "startup-4", pgVersion: "17" }, connection,
    audit: { logs: ["ddl", "role"] }, roles: { reporting: { log: ["read"] } } });
`,
    );
    assert.equal(
        r.out,
        [
            `pgaudit-review: ok: 2 scopes change in 2 resources, none weakens auditing`,
            `  adds    role "reporting": log=read  [PgAuditScopes "audit-scopes"]`,
            `  adds    server (aiven.Pg "audit-pg"): log=ddl,role  [aiven.Pg "audit-pg"]`,
            ``,
        ].join("\n"),
    );
    assert.ok(fs.existsSync(path.join(project.dir, "preview.json")));
});
