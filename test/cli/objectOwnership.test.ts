// Who owns a database's object audit, through the real `pulumi` CLI in a user's project that
// installed the package from its tarball, as avnadmin on PostgreSQL (15; PGAUDIT_TEST_PG=17|18):
// PgAuditObjectAudit (with the PgAuditSetting that sets pgaudit.role on the database) renamed
// without an alias, then moved under a parent, then declared by a second stack. Before owner
// records, each rename's delete REVOKEd the grants (and dropped the audit role) its successor had
// just taken, while `preview --expect-no-changes` passed.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import pg from "pg";
import { startCluster, type TestCluster } from "../../sandbox/cluster";
import { PulumiWorkspace, type CliRun } from "../../sandbox/pulumiCli";
import { createUserProject, type UserProject } from "../../sandbox/userProject";
import { auditLinesOf, pgauditCatalog } from "../support/scopes";

const PROJECT = "pgaudit-object-ownership";

const PROGRAM = `import * as pulumi from "@pulumi/pulumi";
import { PgAuditObjectAudit, PgAuditSetting } from "pulumi-aiven-pgaudit";

const config = new pulumi.Config();
const connection = config.requireSecret("connection");
const name = config.get("name") ?? "a";
const adopt = config.getBoolean("adopt");

class Group extends pulumi.ComponentResource {
    constructor(n: string) {
        super("ownership:test:Group", n);
        this.registerOutputs({});
    }
}
const parentName = config.get("parent");
const parent = parentName ? new Group(parentName) : undefined;
new PgAuditSetting(name + "-role", { connection, database: "shop", settings: { role: "auditor" }, adopt }, { parent });
new PgAuditObjectAudit(name, {
    connection,
    database: "shop",
    auditRole: "auditor",
    createRole: true,
    objects: [{ table: "public.cards", privileges: ["select"] }],
    adopt,
}, { parent });
`;

let cluster: TestCluster;
let project: UserProject;
let workspace: PulumiWorkspace;

const pulumi = (stack: string, args: string[], opts: { allowFailure?: boolean } = {}): Promise<CliRun> => workspace.run([...args, "--stack", stack], opts);
const configure = (stack: string, values: Record<string, string>) =>
    pulumi(stack, ["config", "set-all", ...Object.entries(values).flatMap(([k, v]) => ["--plaintext", `${k}=${v}`])]);
const up = (stack: string) => pulumi(stack, ["up", "--yes"]);

async function truthful(stack: string): Promise<void> {
    await pulumi(stack, ["preview", "--expect-no-changes"]);
    await pulumi(stack, ["refresh", "--yes", "--expect-no-changes"]);
}

/** What the server holds: the audit role's table grants, pgaudit.role of the database, and whether a new session's read is audited. */
async function held(): Promise<{ grants: string[]; catalog: string; audited: string[] }> {
    const grants = await cluster.sql<{ g: string }>(
        `SELECT table_schema || '.' || table_name || ':' || privilege_type AS g FROM information_schema.role_table_grants WHERE grantee = 'auditor' ORDER BY 1`,
        [],
        "shop",
    );
    const lines = await auditLinesOf(cluster, "clerk", "shop", ["SELECT pan FROM cards"]);
    const catalog = (await pgauditCatalog(cluster))
        .split("\n")
        .filter((l) => l.startsWith("database shop:"))
        .join("\n");
    return {
        grants: grants.map((r) => r.g),
        catalog,
        audited: lines.map((l) => {
            // AUDIT: class,statement id,substatement id,class,command,object type,object name,…
            const f = l.split("AUDIT: ")[1].split(",");
            return [f[0], ...f.slice(3, 7)].join(",");
        }),
    };
}
const DECLARED = { grants: ["public.cards:SELECT"], catalog: "database shop: pgaudit.role=auditor", audited: ["OBJECT,READ,SELECT,TABLE,public.cards"] };

before(async () => {
    cluster = await startCluster();
    await cluster.sql("CREATE DATABASE shop OWNER avnadmin");
    await cluster.adminSql("CREATE ROLE clerk LOGIN");
    await cluster.sql("ALTER ROLE clerk SET pgaudit.log = 'none'");
    const admin = new pg.Client(cluster.adminConnection("shop"));
    await admin.connect();
    try {
        await admin.query("CREATE TABLE cards(id int, pan text); INSERT INTO cards VALUES (1, '4111'); GRANT SELECT ON cards TO clerk");
    } finally {
        await admin.end();
    }
    project = await createUserProject({ name: PROJECT, program: PROGRAM });
    workspace = new PulumiWorkspace(project.dir);
    await workspace.initStack("dev", { secrets: { connection: cluster.adminUri() } });
    await workspace.initStack("other", { secrets: { connection: cluster.adminUri() } });
});
after(async () => {
    workspace?.remove();
    project?.remove();
    await cluster?.stop();
});

test("PgAuditObjectAudit renamed without an alias, then moved under a parent: grants, audit role and pgaudit.role stay", { timeout: 400_000 }, async () => {
    await up("dev");
    assert.deepEqual(await held(), DECLARED);

    await configure("dev", { name: "b" });
    const rename = await up("dev");
    assert.match(rename.stdout, /\+ 2 created/);
    assert.match(rename.stdout, /- 2 deleted/);
    assert.deepEqual(await held(), DECLARED, "the old resources' deletes revoked and reset nothing");
    await truthful("dev");

    await configure("dev", { parent: "group" });
    const move = await up("dev");
    assert.match(move.stdout, /\+ 3 created/, "the group and both resources under it");
    assert.match(move.stdout, /- 2 deleted/);
    assert.deepEqual(await held(), DECLARED);
    await truthful("dev");
});

test("a second stack on the same database's object audit fails naming the holder; with adopt it takes it", { timeout: 400_000 }, async () => {
    const refused = await pulumi("other", ["up", "--yes"], { allowFailure: true });
    assert.notEqual(refused.code, 0);
    const said = `${refused.stdout}\n${refused.stderr}`.replace(/\s+/g, " ");
    assert.match(said, new RegExp(`the object audit of role "auditor" in database "shop" is owned by PgAuditObjectAudit "b" of stack ${PROJECT}/dev`));
    assert.match(said, /set adopt: true/);
    assert.deepEqual(await held(), DECLARED, "nothing revoked");

    await configure("other", { adopt: "true" });
    await up("other");
    assert.deepEqual(await held(), DECLARED);
    await truthful("other");
    // dev's delete now leaves other's object audit alone.
    await pulumi("dev", ["destroy", "--yes"]);
    assert.deepEqual(await held(), DECLARED, "dev's destroy revoked nothing other holds");
    await pulumi("other", ["destroy", "--yes"]);
    assert.deepEqual(await held(), { grants: [], catalog: "", audited: [] }, "the holder's destroy removes it");
});
