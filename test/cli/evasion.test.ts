// The evasive role through the real `pulumi` CLI, in a user's project that installed the package
// from its tarball: a stack declares it with PgAuditSetting (log_client on, log_level notice),
// `pulumi up` applies it, and the project's installed `pgaudit-posture --baseline stig` exits 1
// naming the role and the settings; a real session of that role writes no AUDIT line to the
// server log.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { startCluster, type TestCluster } from "../../sandbox/cluster";
import { PulumiWorkspace } from "../../sandbox/pulumiCli";
import { createUserProject, type UserProject } from "../../sandbox/userProject";

const STACK = "dev";

const PROGRAM = `import * as pulumi from "@pulumi/pulumi";
import { PgAuditSetting } from "pulumi-aiven-pgaudit";

const connection = new pulumi.Config().requireSecret("connection");
const all = ["ddl", "role", "read", "write"];
new PgAuditSetting("evasive", { connection, role: "evasive", settings: { log: all, logClient: true, logLevel: "notice" } });
new PgAuditSetting("control", { connection, role: "control", settings: { log: all } });
`;

let cluster: TestCluster;
let project: UserProject;
let workspace: PulumiWorkspace;

before(async () => {
    cluster = await startCluster({ settings: { "pgaudit.log": "ddl,role,read,write" } });
    await cluster.adminSql("CREATE ROLE evasive LOGIN");
    await cluster.adminSql("CREATE ROLE control LOGIN");
    project = await createUserProject({ name: "pgaudit-evasion", program: PROGRAM });
    workspace = new PulumiWorkspace(project.dir);
    await workspace.initStack(STACK, { secrets: { connection: cluster.adminUri() } });
});
after(async () => {
    workspace?.remove();
    project?.remove();
    await cluster?.stop();
});

/** The project's installed bin, with its exit status (npx would throw on 1). */
async function posture(args: string[]): Promise<{ code: number; stdout: string }> {
    const bin = path.join(project.dir, "node_modules", ".bin", "pgaudit-posture");
    try {
        const { stdout } = await promisify(execFile)(bin, args, { cwd: project.dir, env: { ...process.env, PGPASSWORD: cluster.admin.password } });
        return { code: 0, stdout };
    } catch (e) {
        const err = e as Error & { code?: number; stdout?: string };
        return { code: typeof err.code === "number" ? err.code : -1, stdout: err.stdout ?? String(err) };
    }
}

test("a stack declaring the evasive role is up-ed; the installed pgaudit-posture --baseline stig exits 1 naming it", async () => {
    await workspace.run(["up", "--yes", "--stack", STACK]);
    const rows = await cluster.sql<{ setconfig: string[] }>("SELECT setconfig FROM pg_db_role_setting WHERE setrole = 'evasive'::regrole");
    assert.deepEqual(rows[0].setconfig.filter((e) => !e.startsWith("pgaudit.log=")).sort(), ["pgaudit.log_client=on", "pgaudit.log_level=notice"]);

    // The server log gets nothing from the evasive role, one line from the control.
    for (const [role, expected] of [
        ["evasive", 0],
        ["control", 1],
    ] as const) {
        const app = `cli_${role}`;
        const offset = cluster.logOffset();
        const client = await cluster.connectAs(role, "postgres", app);
        try {
            await client.query("CREATE TEMP TABLE t (i int)");
        } finally {
            await client.end();
        }
        assert.equal((await cluster.waitForAuditLines(offset, app, 1, expected ? 5000 : 300)).length, expected, role);
    }

    const uri = `postgresql://avnadmin@127.0.0.1:${cluster.port}/postgres?sslmode=disable`;
    const gate = await posture(["--connection", uri, "--baseline", "stig"]);
    assert.equal(gate.code, 1, gate.stdout);
    assert.ok(
        gate.stdout.includes(
            `FAIL role "evasive" in database "postgres": pgaudit.log_client = on and pgaudit.log_level = notice send AUDIT lines to the client only (log_min_messages = warning): ` +
                `none reach the server log that Aiven ships`,
        ),
        gate.stdout,
    );
    assert.doesNotMatch(gate.stdout, /FAIL role "control"/);
});
