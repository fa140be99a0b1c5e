// The policy pack through the real engine: `pulumi preview --policy-pack
// node_modules/pulumi-aiven-pgaudit/policy` in a user's project that installed the package from its
// tarball with @pulumi/policy, the Node.js language host that runs policy packs, and the real Aiven
// provider plugin checking every aiven.Pg. What the pack reads is what the engine hands it: the
// provider-checked inputs (PgAuditScopes' scope map), secrets unwrapped, unknowns at preview.
// Previews only: nothing here connects to a server, so no cluster is started.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { PulumiWorkspace, type CliRun } from "../../sandbox/pulumiCli";
import { createUserProject, REPO_ROOT, type UserProject } from "../../sandbox/userProject";

const STACK = "dev";
const PACK = path.join("node_modules", "pulumi-aiven-pgaudit", "policy");
const policyVersion = (JSON.parse(fs.readFileSync(path.join(REPO_ROOT, "node_modules", "@pulumi", "policy", "package.json"), "utf8")) as { version: string })
    .version;

let project: UserProject;
let workspace: PulumiWorkspace;

before(async () => {
    project = await createUserProject({ name: "pgaudit-policy", extraPackages: [`@pulumi/policy@${policyVersion}`] });
    workspace = new PulumiWorkspace(project.dir);
    await workspace.installAivenPlugin();
    // The connection is a secret, as a user's is: the pack must read the checked inputs around it.
    await workspace.initStack(STACK, {
        secrets: { connection: "postgresql://avnadmin:s3cret@db.example:5432/defaultdb?sslmode=verify-full", "aiven:apiToken": "not-used-at-preview" },
    });
});
after(() => {
    workspace?.remove();
    project?.remove();
});

const HEAD = `import * as pulumi from "@pulumi/pulumi";
import * as aiven from "@pulumi/aiven";
import { PgAuditLogging } from "pulumi-aiven-pgaudit";
import { PgAuditSetting, PgAuditScopes } from "pulumi-aiven-pgaudit/provider";
const connection = new pulumi.Config().requireSecret("connection");
const service = { serviceName: "orders-pg", plan: "startup-4", cloudName: "google-europe-west1", pgVersion: "17" };
`;

/** One diagnostic of the "Policies:" block the CLI prints. */
interface Diagnostic {
    readonly level: string;
    readonly policy: string;
    /** "type: name" of the resource. */
    readonly resource: string;
    readonly message: string;
}

/** The Policies block: `- [mandatory]  pgaudit-baseline  (type: name)`, the policy's description, then the message. */
function diagnostics(stdout: string): Diagnostic[] {
    const lines = stdout.split("\n");
    const out: Diagnostic[] = [];
    lines.forEach((line, i) => {
        const m = /^\s*- \[(\w+)\]\s+(\S+)\s+\((.+)\)$/.exec(line);
        if (m) out.push({ level: m[1], policy: m[2], resource: m[3], message: lines[i + 2].trim() });
    });
    return out;
}

async function preview(program: string, config?: object): Promise<CliRun & { found: Diagnostic[] }> {
    project.writeFile("index.ts", HEAD + program);
    const args = ["preview", "--stack", STACK, "--policy-pack", PACK];
    if (config !== undefined) {
        project.writeFile("pgaudit-policy.json", JSON.stringify(config));
        args.push("--policy-pack-config", "pgaudit-policy.json");
    }
    const run = await workspace.run(args, { allowFailure: true });
    assert.match(run.stdout, /Loading policy packs/, run.stdout + run.stderr);
    return { ...run, found: diagnostics(run.stdout) };
}

const STIG_CLASSES = `stig rule "log-classes" (V-233557, V-233563, V-233565, V-233567, V-233568, V-233570, V-233573, V-233574, V-233620, V-233621)`;

const COMPLIANT = `
new PgAuditSetting("strong-setting", { connection, role: "app", settings: { log: ["ddl", "role", "read", "write"] } });
new PgAuditScopes("strong-scopes", { connection, scopes: [{ role: "batch", settings: { log: ["all"] } }, { database: "shop", settings: { log: ["all", "-misc"], logCatalog: true } }], groups: [{ group: "analysts", settings: { log: ["all"] } }] });
new PgAuditLogging("audit", { project: "p", service, connection, baseline: "stig", roles: { reporting: { log: ["all", "-misc"] } }, groups: { auditors: { log: ["all"] } } });
`;

// One weak scope in each shape: a PgAuditSetting, a PgAuditScopes list, and PgAuditLogging's default shape
// (one PgAuditScopes per server); the component's services meet the baseline.
const WEAK_SCOPES = `
new PgAuditSetting("weak-setting", { connection, role: "app", settings: { log: ["write"] } });
new PgAuditScopes("weak-scopes", { connection, scopes: [
    { role: "etl", settings: { log: ["all"] } },
    { role: "batch", settings: { log: ["read"] } },
    { database: "shop", settings: { log: ["ddl", "role", "read", "write"] } },
], groups: [{ group: "analysts", settings: { log: ["read"] } }, { group: "auditors", database: "shop", settings: { log: ["all"] } }] });
new PgAuditLogging("audit", { project: "p", service, connection, audit: { logs: ["ddl", "role", "read", "write"] },
    roleDatabases: [{ role: "reporting", database: "shop", settings: { log: ["read"] } }] });
`;

const WEAK_MESSAGES = [
    `PgAuditScopes "audit-scopes" (role "reporting" in database "shop"): scopes["role/reporting/database/shop"].log = ["read"] lacks ddl, role, write: weaker than ${STIG_CLASSES}. Fix: include ddl, role, write in the scope's settings.log, or grant an exception in the policy pack's configuration`,
    `PgAuditScopes "weak-scopes" (role "batch"): scopes["role/batch"].log = ["read"] lacks ddl, role, write: weaker than ${STIG_CLASSES}. Fix: include ddl, role, write in the scope's settings.log, or grant an exception in the policy pack's configuration`,
    `PgAuditScopes "weak-scopes" (the members of group "analysts"): groups["group/analysts"].log = ["read"] lacks ddl, role, write: weaker than ${STIG_CLASSES}. Fix: include ddl, role, write in the scope's settings.log, or declare a member that may be weaker on its own, with an exception in the policy pack's configuration`,
    `PgAuditSetting "weak-setting" (role "app"): settings.log = ["write"] lacks ddl, role, read: weaker than ${STIG_CLASSES}. Fix: include ddl, role, read in settings.log, or grant an exception in the policy pack's configuration`,
];

const sorted = (found: Diagnostic[]) => found.map((d) => d.message).sort();

test("a compliant program passes: PgAuditSetting, a PgAuditScopes list and PgAuditLogging with baseline stig", async () => {
    const run = await preview(COMPLIANT);
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.deepEqual(run.found, []);
    assert.match(run.stdout, /✅ pulumi-aiven-pgaudit@v0\.1\.0/);
    // The program registered every shape the pack is responsible for.
    for (const type of ["pulumi-nodejs:dynamic/pgaudit:PgAuditSetting", "pulumi-nodejs:dynamic/pgaudit:PgAuditScopes", "aiven:index:Pg"]) {
        assert.match(run.stdout, new RegExp(`\\+ +${type.replace(/[/:]/g, (c) => `\\${c}`)} `));
    }
});

test("one weak scope in each shape fails the preview, naming the resource, the scope and the rule", async () => {
    const run = await preview(WEAK_SCOPES);
    assert.notEqual(run.code, 0, run.stdout);
    assert.deepEqual(sorted(run.found), WEAK_MESSAGES);
    assert.ok(run.found.every((d) => d.level === "mandatory" && d.policy === "pgaudit-baseline"));
    assert.deepEqual(run.found.map((d) => d.resource).sort(), [
        "pulumi-nodejs:dynamic/pgaudit:PgAuditScopes: audit-scopes",
        "pulumi-nodejs:dynamic/pgaudit:PgAuditScopes: weak-scopes",
        "pulumi-nodejs:dynamic/pgaudit:PgAuditScopes: weak-scopes",
        "pulumi-nodejs:dynamic/pgaudit:PgAuditSetting: weak-setting",
    ]);
});

test("an exception in --policy-pack-config passes the scope it names, and only that one; no exception passes a group", async () => {
    const reason = "batch jobs, audited by object logging";
    const one = await preview(WEAK_SCOPES, { "pgaudit-baseline": { exceptions: [{ role: "batch", reason }] } });
    assert.notEqual(one.code, 0);
    assert.deepEqual(sorted(one.found), [WEAK_MESSAGES[0], WEAK_MESSAGES[2], WEAK_MESSAGES[3]]);

    const all = await preview(WEAK_SCOPES, {
        "pgaudit-baseline": {
            exceptions: [
                { role: "app", reason },
                { role: "batch", reason },
                { role: "reporting", database: "shop", reason },
            ],
        },
    });
    // Every role and database scope excused; the group is not: an exception names no group.
    assert.notEqual(all.code, 0, all.stdout);
    assert.deepEqual(sorted(all.found), [WEAK_MESSAGES[2]]);
});

test("advisory passes the preview and still shows every violation", async () => {
    const run = await preview(WEAK_SCOPES, { "pgaudit-baseline": { enforcementLevel: "advisory" } });
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.deepEqual(sorted(run.found), WEAK_MESSAGES);
    assert.ok(run.found.every((d) => d.level === "advisory"));
});

test("the baseline from --policy-pack-config: cis asks for ddl and write only", async () => {
    const run = await preview(WEAK_SCOPES, { "pgaudit-baseline": { baseline: "cis" } });
    assert.notEqual(run.code, 0);
    assert.deepEqual(sorted(run.found), [
        `PgAuditScopes "audit-scopes" (role "reporting" in database "shop"): scopes["role/reporting/database/shop"].log = ["read"] lacks ddl, write: weaker than cis rule "log-classes" (3.2). Fix: include ddl, write in the scope's settings.log, or grant an exception in the policy pack's configuration`,
        `PgAuditScopes "weak-scopes" (role "batch"): scopes["role/batch"].log = ["read"] lacks ddl, write: weaker than cis rule "log-classes" (3.2). Fix: include ddl, write in the scope's settings.log, or grant an exception in the policy pack's configuration`,
        `PgAuditScopes "weak-scopes" (the members of group "analysts"): groups["group/analysts"].log = ["read"] lacks ddl, write: weaker than cis rule "log-classes" (3.2). Fix: include ddl, write in the scope's settings.log, or declare a member that may be weaker on its own, with an exception in the policy pack's configuration`,
        `PgAuditSetting "weak-setting" (role "app"): settings.log = ["write"] lacks ddl: weaker than cis rule "log-classes" (3.2). Fix: include ddl in settings.log, or grant an exception in the policy pack's configuration`,
    ]);
});

test("aiven.Pg as the Aiven plugin checks it: a weak service of PgAuditLogging and a plain aiven.Pg fail, naming the field", async () => {
    const run = await preview(`
new aiven.Pg("raw", { project: "p", plan: "startup-4", serviceName: "raw",
    pgUserConfig: { pgVersion: "16", pgaudit: { featureEnabled: true, logs: ["all"], logCatalog: false } } });
new aiven.Pg("off", { project: "p", plan: "startup-4", serviceName: "off", pgUserConfig: { pgVersion: "16" } });
new PgAuditLogging("audit", { project: "p", service, connection, audit: { logs: ["ddl"] } });
`);
    assert.notEqual(run.code, 0);
    assert.deepEqual(sorted(run.found), [
        `aiven.Pg "audit-pg": pgUserConfig.pgaudit.logs = ["ddl"] lacks role, read, write: weaker than ${STIG_CLASSES}. Fix: include role, read, write in pgUserConfig.pgaudit.logs`,
        `aiven.Pg "off": pgUserConfig.pgaudit.featureEnabled is not true: pgaudit is not enabled, so nothing is audited: weaker than stig rule "enabled" (V-233589). Fix: set pgUserConfig.pgaudit.featureEnabled = true`,
        `aiven.Pg "off": pgUserConfig.pgaudit.logs is not set (pgaudit's default: []) and lacks ddl, role, read, write: weaker than ${STIG_CLASSES}. Fix: include ddl, role, read, write in pgUserConfig.pgaudit.logs`,
        `aiven.Pg "raw": pgUserConfig.pgaudit.logCatalog = false is not on: weaker than stig rule "log-catalog" (V-233573). Fix: set pgUserConfig.pgaudit.logCatalog = true`,
    ]);
    assert.ok(run.found.every((d) => d.resource.startsWith("aiven:index:Pg: ")));
});

test("the version policy: per-scope settings on a PostgreSQL 14 service fail; a resource unrelated to it does not", async () => {
    const run = await preview(`
const old = new aiven.Pg("old", { project: "p", plan: "startup-4", serviceName: "old",
    pgUserConfig: { pgVersion: "14", pgaudit: { featureEnabled: true, logs: ["all"] } } });
new PgAuditSetting("on-old", { connection, role: "app", settings: { log: ["all"] } }, { dependsOn: [old] });
new PgAuditScopes("via-connection", { connection: pulumi.interpolate\`postgresql://avnadmin:pw@\${old.serviceHost}:5432/defaultdb\`,
    scopes: [{ role: "app", settings: { log: ["all"] } }] });
new PgAuditSetting("unrelated", { connection, role: "batch", settings: { log: ["all"] } });
`);
    assert.notEqual(run.code, 0);
    const version = run.found.filter((d) => d.policy === "pgaudit-scoped-settings-version");
    assert.deepEqual(
        version.map((d) => d.message).sort(),
        ["on-old", "via-connection"]
            .map(
                (name) =>
                    `${name === "on-old" ? "PgAuditSetting" : "PgAuditScopes"} "${name}" writes per-scope pgaudit settings on aiven.Pg "old", whose pgUserConfig.pgVersion is "14": Aiven allows them from PostgreSQL 15. Fix: upgrade the service (pgVersion "15" or later), or remove the per-scope settings`,
            )
            .sort(),
    );
    assert.deepEqual(
        run.found.filter((d) => d.policy !== "pgaudit-scoped-settings-version"),
        [],
        "the baseline holds: every scope logs all",
    );
});

test("unknown at preview fails closed where the verdict depends on it, never a silent pass", async () => {
    const run = await preview(`
const svc = new aiven.Pg("svc", { project: "p", plan: "startup-4", serviceName: "svc",
    pgUserConfig: { pgVersion: "16", pgaudit: { featureEnabled: true, logs: ["all"] } } });
const later = (v: string) => svc.serviceHost.apply(() => v);
// Weak settings on a role whose name is unknown: no exception can be matched to it.
new PgAuditSetting("weak-unknown-role", { connection, role: later("app"), settings: { log: ["write"] } });
// Strong settings: the verdict does not depend on the unknown name.
new PgAuditSetting("strong-unknown-role", { connection, role: later("etl"), settings: { log: ["all"] } });
// Settings unknown at preview.
new PgAuditSetting("unknown-settings", { connection, role: "batch", settings: svc.serviceHost.apply(() => ({ log: ["all"] })) });
// A scope list with an unknown in it arrives unknown as a whole.
new PgAuditScopes("unknown-scopes", { connection, scopes: [{ role: later("x"), settings: { log: ["all"] } }] });
// A group list with an unknown in it arrives unknown as a whole too; the known scopes beside it still pass.
new PgAuditScopes("unknown-groups", { connection, scopes: [{ role: "z", settings: { log: ["all"] } }], groups: [{ group: later("g"), settings: { log: ["all"] } }] });
// Only the connection unknown: the scopes are checked as usual and pass.
new PgAuditScopes("unknown-connection", { connection: pulumi.interpolate\`postgresql://avnadmin:pw@\${svc.serviceHost}:5432/defaultdb\`,
    scopes: [{ role: "y", settings: { log: ["all"] } }] });
`);
    assert.notEqual(run.code, 0, run.stdout);
    const fix = "Fix: give it a value known at preview (not another resource's output), or run the pack on pulumi up, where every input is known";
    assert.deepEqual(
        sorted(run.found),
        [
            `PgAuditScopes "unknown-groups": groups is unknown at preview, so it cannot be checked against stig: the pack fails closed. ${fix}`,
            `PgAuditScopes "unknown-scopes": scopes is unknown at preview, so it cannot be checked against stig: the pack fails closed. ${fix}`,
            `PgAuditSetting "unknown-settings" (role "batch"): settings is unknown at preview, so it cannot be checked against stig: the pack fails closed. ${fix}`,
            `PgAuditSetting "weak-unknown-role": role is unknown at preview, so it cannot be checked against stig: the pack fails closed. ${fix}`,
        ],
        run.stdout + run.stderr,
    );
    assert.ok(
        run.found.every((d) => d.level === "mandatory"),
        "@pulumi/policy's own answer to an unknown is advisory: ours is not",
    );
});
