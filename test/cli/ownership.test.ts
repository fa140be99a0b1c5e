// Who owns a scope, through the real `pulumi` CLI, in a user's project that installed the package
// from its tarball, as avnadmin on PostgreSQL (15; PGAUDIT_TEST_PG=17|18): a rename of
// PgAuditSetting, a move under a parent, a shape switch with a rename and a change of PgAuditScopes,
// two stacks on one scope, two exclusive stacks on one server, a connection moved to another
// server. After each up: the catalog holds what is declared, a new session audits what it says, and
// preview and refresh with --expect-no-changes agree. Before owner records, each rename's delete
// RESET the scope its successor had just taken, and nothing noticed.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { startCluster, type TestCluster } from "../../sandbox/cluster";
import { PulumiWorkspace, type CliRun } from "../../sandbox/pulumiCli";
import { createUserProject, type UserProject } from "../../sandbox/userProject";
import { auditLinesOf, pgauditCatalog } from "../support/scopes";

const PROJECT = "pgaudit-ownership";

/** One program for every case, driven by config: the shape, the name, a parent, the scope's role and classes, adopt, exclusive. */
const PROGRAM = `import * as pulumi from "@pulumi/pulumi";
import { PgAuditScopes, PgAuditSetting } from "pulumi-aiven-pgaudit";

const config = new pulumi.Config();
const connection = config.requireSecret("connection");
const name = config.get("name") ?? "a";
const role = config.get("role") ?? "app";
const log = (config.get("log") ?? "ddl,write").split(",");
const adopt = config.getBoolean("adopt");
const exclusive = config.getBoolean("exclusive");

class Group extends pulumi.ComponentResource {
    constructor(n: string) {
        super("ownership:test:Group", n);
        this.registerOutputs({});
    }
}
const parentName = config.get("parent");
const parent = parentName ? new Group(parentName) : undefined;
if ((config.get("shape") ?? "PgAuditSetting") === "PgAuditSetting") {
    new PgAuditSetting(name, { connection, role, settings: { log }, adopt }, { parent });
} else {
    new PgAuditScopes(name, { connection, scopes: [{ role, settings: { log } }], adopt, exclusive }, { parent });
}
`;

let first: TestCluster;
let second: TestCluster;
let project: UserProject;
let workspace: PulumiWorkspace;

const pulumi = (stack: string, args: string[], opts: { allowFailure?: boolean } = {}): Promise<CliRun> => workspace.run([...args, "--stack", stack], opts);
const configure = (stack: string, values: Record<string, string>) =>
    pulumi(stack, ["config", "set-all", ...Object.entries(values).flatMap(([k, v]) => ["--plaintext", `${k}=${v}`])]);
const up = (stack: string) => pulumi(stack, ["up", "--yes"]);
const failedUp = async (stack: string, args: string[] = []) => {
    const run = await pulumi(stack, ["up", "--yes", ...args], { allowFailure: true });
    assert.notEqual(run.code, 0, `up was expected to fail:\n${run.stdout}`);
    return `${run.stdout}\n${run.stderr}`.replace(/\s+/g, " ");
};

/** State agrees with the server: preview (no database) and refresh (reads it) find nothing to change. */
async function truthful(stack: string): Promise<void> {
    await pulumi(stack, ["preview", "--expect-no-changes"]);
    await pulumi(stack, ["refresh", "--yes", "--expect-no-changes"]);
}

/** The classes a new session of `role` audits for a DDL, a write and a read. */
async function audited(cluster: TestCluster, role = "app"): Promise<string[]> {
    const lines = await auditLinesOf(cluster, role, "postgres", ["CREATE TEMP TABLE probe (i int)", "INSERT INTO probe VALUES (1)", "SELECT * FROM probe"]);
    return lines.map((l) => l.split("AUDIT: ")[1].split(",")[3]);
}

before(async () => {
    first = await startCluster();
    second = await startCluster();
    for (const c of [first, second]) await c.adminSql(`CREATE ROLE app LOGIN; CREATE ROLE app2 LOGIN; CREATE ROLE stray LOGIN`);
    project = await createUserProject({ name: PROJECT, program: PROGRAM });
    workspace = new PulumiWorkspace(project.dir);
    await workspace.initStack("dev", { secrets: { connection: first.adminUri() } });
    await workspace.initStack("other", { secrets: { connection: first.adminUri() } });
});
after(async () => {
    workspace?.remove();
    project?.remove();
    await first?.stop();
    await second?.stop();
});

test("PgAuditSetting renamed without an alias: the new one takes the scope, the old one's delete resets nothing", { timeout: 300_000 }, async () => {
    await up("dev");
    assert.equal(await pgauditCatalog(first), "role app: pgaudit.log=ddl,write");
    await configure("dev", { name: "b" });
    const rename = await up("dev");
    assert.match(rename.stdout, /\+ 1 created/);
    assert.match(rename.stdout, /- 1 deleted/);
    assert.equal(await pgauditCatalog(first), "role app: pgaudit.log=ddl,write", "the old resource's delete left the scope alone");
    assert.deepEqual(await audited(first), ["DDL", "WRITE"]);
    await truthful("dev");
});

test("moved under a parent component (its URN changes): same, in one up", { timeout: 300_000 }, async () => {
    await configure("dev", { parent: "group" });
    const move = await up("dev");
    assert.match(move.stdout, /\+ 2 created/, "the group and the PgAuditSetting under it");
    assert.match(move.stdout, /- 1 deleted/);
    assert.equal(await pgauditCatalog(first), "role app: pgaudit.log=ddl,write");
    assert.deepEqual(await audited(first), ["DDL", "WRITE"]);
    await truthful("dev");
});

test("shape switch to PgAuditScopes in one up, then a rename with a change: converges each time, no retain step, no adopt", { timeout: 300_000 }, async () => {
    await configure("dev", { shape: "PgAuditScopes", name: "s" });
    const toScopes = await up("dev");
    assert.match(toScopes.stdout, /\+ 1 created/);
    assert.match(toScopes.stdout, /- 1 deleted/);
    assert.equal(await pgauditCatalog(first), "role app: pgaudit.log=ddl,write");
    await truthful("dev");

    await configure("dev", { name: "s2", log: "read" });
    await up("dev");
    assert.equal(await pgauditCatalog(first), "role app: pgaudit.log=read", "the new declaration, not the old one's reset");
    assert.deepEqual(await audited(first), ["READ"]);
    await truthful("dev");
});

test(
    "two stacks on one scope: the second is refused naming the owner and the fix; with adopt it moves, and the first is told",
    { timeout: 400_000 },
    async () => {
        await configure("other", { name: "x", log: "all" });
        const refused = await failedUp("other");
        assert.match(refused, new RegExp(`role "app" is owned by PgAuditScopes "s2" of stack ${PROJECT}/dev`));
        assert.match(refused, /set adopt: true/);
        assert.equal(await pgauditCatalog(first), "role app: pgaudit.log=read", "nothing written");
        await truthful("dev");

        await configure("other", { adopt: "true" });
        await up("other");
        assert.equal(await pgauditCatalog(first), "role app: pgaudit.log=all");
        await truthful("other");
        // dev's refresh sees the scope gone from its hands; its up names who has it.
        const told = await failedUp("dev", ["--refresh"]);
        assert.match(told, new RegExp(`role "app" is owned by PgAuditSetting "x" of stack ${PROJECT}/other`));
        assert.equal(await pgauditCatalog(first), "role app: pgaudit.log=all");

        // Back to one owner: other goes away (its delete resets what it held), dev's next up declares it again.
        await pulumi("other", ["destroy", "--yes"]);
        assert.equal(await pgauditCatalog(first), "");
        await pulumi("dev", ["up", "--yes", "--refresh"]);
        assert.equal(await pgauditCatalog(first), "role app: pgaudit.log=read");
        await truthful("dev");
    },
);

test("two exclusive stacks on one server: each resets overrides nobody declares, never the other's scopes", { timeout: 400_000 }, async () => {
    await first.sql(`ALTER ROLE stray SET pgaudit.log = 'none'`);
    await configure("dev", { exclusive: "true" });
    await up("dev");
    assert.equal(await pgauditCatalog(first), "role app: pgaudit.log=read", "the undeclared override is reset");

    await configure("other", { shape: "PgAuditScopes", name: "y", role: "app2", log: "ddl", adopt: "false", exclusive: "true" });
    await up("other");
    assert.equal(await pgauditCatalog(first), ["role app2: pgaudit.log=ddl", "role app: pgaudit.log=read"].join("\n"));
    const again = await pulumi("dev", ["up", "--yes", "--refresh"]);
    assert.doesNotMatch(again.stdout, /updated/, "dev finds nothing undeclared: app2 is other's");
    assert.equal(await pgauditCatalog(first), ["role app2: pgaudit.log=ddl", "role app: pgaudit.log=read"].join("\n"));
    assert.deepEqual(await audited(first, "app2"), ["DDL"]);
    await truthful("dev");
    await truthful("other");
    await pulumi("other", ["destroy", "--yes"]);
    assert.equal(await pgauditCatalog(first), "role app: pgaudit.log=read");
});

test("the connection moved to another server: a replace, adopt-checked there; once adopted, the old server is reset", { timeout: 300_000 }, async () => {
    await second.sql(`ALTER ROLE app SET pgaudit.log = 'none'`); // typed by hand there
    await workspace.run(["config", "set", "--secret", "connection", "--stack", "dev"], { input: second.adminUri() });
    const preview = await pulumi("dev", ["preview", "--diff"]);
    assert.match(preview.stdout, /\+-\s*pulumi-nodejs:dynamic\/pgaudit:PgAuditScopes.*\(replace\)/);
    const refused = await failedUp("dev");
    assert.match(refused, /role "app" already holds pgaudit\.log = 'none'/);
    assert.match(refused, /adopt: true/);
    assert.equal(await pgauditCatalog(first), "role app: pgaudit.log=read", "the old server keeps its settings while the new one refuses");
    assert.equal(await pgauditCatalog(second), "role app: pgaudit.log=none");

    await configure("dev", { adopt: "true" });
    await up("dev");
    assert.equal(await pgauditCatalog(second), "role app: pgaudit.log=read");
    assert.deepEqual(await audited(second), ["READ"]);
    assert.equal(await pgauditCatalog(first), "", "the replaced resource's delete reset the old server");
    await truthful("dev");
    await pulumi("dev", ["destroy", "--yes"]);
    assert.equal(await pgauditCatalog(second), "");
});
