// The hostile search_path of issue 19 (test/support/hostile.ts) through the real `pulumi` CLI, in a
// user's project that installed the package from its tarball: a PgAuditScopes and a
// PgAuditObjectAudit whose connection database is the hostile `aaa`. `up` writes the real catalog,
// `refresh` reads the real values (a hand-made drift to none, where the forged view says audited),
// and evil.lower never runs in any session the provider host opens.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { startCluster, type TestCluster } from "../../sandbox/cluster";
import { PulumiWorkspace } from "../../sandbox/pulumiCli";
import { createUserProject, type UserProject } from "../../sandbox/userProject";
import { evilRuns, plantHostileDatabase } from "../support/hostile";
import { pgauditCatalog } from "../support/scopes";
import { resourceIn } from "../support/checkpoint";
import { scopeMapOf } from "../support/scopesStack";

const STACK = "dev";
const PROGRAM = `import * as pulumi from "@pulumi/pulumi";
import { PgAuditObjectAudit, PgAuditScopes } from "pulumi-aiven-pgaudit";

const connection = new pulumi.Config().requireSecret("connection");
const scopes = new PgAuditScopes("scopes", {
    connection,
    scopes: [
        { role: "clerk", settings: { log: ["ddl", "write"] } },
        { role: "clerk", database: "aaa", settings: { role: "auditor" } },
    ],
});
new PgAuditObjectAudit("cards", {
    connection,
    database: "aaa",
    auditRole: "auditor",
    createRole: true,
    objects: [{ table: "public.cards", privileges: ["select"] }],
});
export const held = scopes.scopes;
`;

let cluster: TestCluster;
let project: UserProject;
let workspace: PulumiWorkspace;
const pulumi = (args: string[]) => workspace.run([...args, "--stack", STACK]);

before(async () => {
    cluster = await startCluster();
    await plantHostileDatabase(cluster);
    project = await createUserProject({ name: "pgaudit-hostile", program: PROGRAM });
    workspace = new PulumiWorkspace(project.dir);
    await workspace.initStack(STACK, { secrets: { connection: cluster.adminUri("aaa") } });
});
after(async () => {
    workspace?.remove();
    project?.remove();
    await cluster?.stop();
});

const grantsOfAuditor = async () =>
    (
        await cluster.sql<{ p: string }>(
            "SELECT a.privilege_type AS p FROM pg_class c, aclexplode(c.relacl) a WHERE c.relname = 'cards' AND a.grantee = 'auditor'::regrole",
            [],
            "aaa",
        )
    ).map((r) => r.p);

test("up and refresh through the CLI in the hostile database read and write the real catalog; evil.lower never runs", { timeout: 300_000 }, async () => {
    const offset = cluster.logOffset();
    const up = await pulumi(["up", "--yes"]);
    assert.match(up.stdout, /\+ 3 created/);
    assert.equal(
        await pgauditCatalog(cluster),
        ["database defaultdb: pgaudit.log=ddl", "role clerk in database aaa: pgaudit.role=auditor", "role clerk: pgaudit.log=ddl,write"].join("\n"),
    );
    assert.deepEqual(await grantsOfAuditor(), ["SELECT"]);
    await pulumi(["preview", "--expect-no-changes"]);

    // Drift by hand; the forged evil.pg_db_role_setting would say ddl,role,read,write.
    await cluster.sql("ALTER ROLE clerk SET pgaudit.log = 'none'");
    await pulumi(["refresh", "--yes"]);
    const { deployment } = await workspace.exportStack(STACK, true);
    const scopes = resourceIn(deployment, (r) => r.urn.endsWith("::scopes"), "resource named scopes");
    assert.equal(scopeMapOf(scopes.outputs.scopes)["role/clerk"], "log=none");
    assert.doesNotMatch(JSON.stringify(deployment), /read,write/);

    await pulumi(["up", "--yes"]);
    assert.match(await pgauditCatalog(cluster), /role clerk: pgaudit\.log=ddl,write/);
    await pulumi(["preview", "--expect-no-changes"]);
    assert.deepEqual(evilRuns(cluster, offset), []);
});
