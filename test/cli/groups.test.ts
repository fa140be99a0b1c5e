// examples/groups (issue 23) through the real `pulumi` CLI, in a user's project that installed the
// package from its tarball, as avnadmin on PostgreSQL (15; PGAUDIT_TEST_PG=17|18). One stack, few
// operations, several cases each: a group of 3 login members (one through a nested NOLOGIN group,
// the NOLOGIN roles skipped), an explicit member override, a member of two groups (the union);
// then by hand a member joins, one leaves and one is changed: `refresh` finds each, `preview --diff`
// names each, the installed `pgaudit-posture --require-group` fails on the joiner until `up`
// converges all three (the leaver reset); and `destroy` resets every member.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { startCluster, type TestCluster } from "../../sandbox/cluster";
import { PulumiWorkspace, type CliRun } from "../../sandbox/pulumiCli";
import { createUserProject, REPO_ROOT, type UserProject } from "../../sandbox/userProject";
import { auditLinesOf, pgauditCatalog } from "../support/scopes";

const STACK = "dev";

let cluster: TestCluster;
let project: UserProject;
let workspace: PulumiWorkspace;

const pulumi = (args: string[], opts: { allowFailure?: boolean } = {}): Promise<CliRun> => workspace.run([...args, "--stack", STACK], opts);

/** The project's installed bin, with its exit status. */
async function posture(args: string[]): Promise<{ code: number; stdout: string }> {
    const bin = path.join(project.dir, "node_modules", ".bin", "pgaudit-posture");
    try {
        const { stdout } = await promisify(execFile)(bin, ["--connection", cluster.adminUri(), ...args], { cwd: project.dir });
        return { code: 0, stdout };
    } catch (e) {
        const err = e as Error & { code?: number; stdout?: string };
        return { code: typeof err.code === "number" ? err.code : -1, stdout: err.stdout ?? String(err) };
    }
}

/** The classes a new session of `role` audits for a DDL, a write and a read. */
async function audited(role: string): Promise<string[]> {
    const lines = await auditLinesOf(cluster, role, "postgres", ["CREATE TEMP TABLE probe (i int)", "INSERT INTO probe VALUES (1)", "SELECT * FROM probe"]);
    return lines.map((l) => l.split("AUDIT: ")[1].split(",")[3]);
}

before(async () => {
    cluster = await startCluster();
    await cluster.adminSql(
        `CREATE ROLE analysts NOLOGIN; CREATE ROLE contractors NOLOGIN; CREATE ROLE team NOLOGIN; CREATE ROLE reporting NOLOGIN;
         CREATE ROLE alice LOGIN; CREATE ROLE bob LOGIN; CREATE ROLE carol LOGIN; CREATE ROLE dave LOGIN; CREATE ROLE erin LOGIN;
         GRANT analysts TO alice, bob, team, reporting; GRANT team TO carol; GRANT contractors TO bob, erin`,
    );
    project = await createUserProject({ name: "pgaudit-groups" });
    for (const file of ["index.ts", "Pulumi.yaml"]) project.writeFile(file, fs.readFileSync(path.join(REPO_ROOT, "examples", "groups", file), "utf8"));
    workspace = new PulumiWorkspace(project.dir);
    await workspace.initStack(STACK, { secrets: { connection: cluster.adminUri() } });
});
after(async () => {
    workspace?.remove();
    project?.remove();
    await cluster?.stop();
});

const CONVERGED = [
    "role alice: pgaudit.log=all",
    "role bob: pgaudit.log=read,write,ddl",
    "role carol: pgaudit.log=read,write",
    "role erin: pgaudit.log=ddl",
].join("\n");

test(
    "up: 3 login members (one nested), NOLOGIN skipped, the explicit member kept, two groups merged; preview and refresh then agree",
    { timeout: 300_000 },
    async () => {
        const up = await pulumi(["up", "--yes"]);
        assert.match(up.stdout, /\+ 2 created/);
        assert.equal(await pgauditCatalog(cluster), CONVERGED, "team and reporting (NOLOGIN) hold nothing; alice keeps her own");
        assert.deepEqual(await audited("bob"), ["DDL", "WRITE", "READ"], "bob gets both groups' classes at login");
        assert.deepEqual(await audited("carol"), ["WRITE", "READ"]);
        const members = JSON.parse((await pulumi(["stack", "output", "members", "--json"])).stdout) as Record<string, Record<string, string>>;
        assert.deepEqual(Object.keys(members["group/analysts"]).sort(), ["role/bob", "role/carol"]);
        assert.deepEqual(Object.keys(members["group/contractors"]).sort(), ["role/bob", "role/erin"]);
        await pulumi(["preview", "--expect-no-changes"]);
        await pulumi(["refresh", "--yes", "--expect-no-changes"]);
        assert.equal((await posture(["--require-group", "analysts:read,write"])).code, 0);
    },
);

test(
    "by hand a member joins, one leaves, one is changed: refresh finds each, preview --diff names each, the gate fails until up converges",
    { timeout: 300_000 },
    async () => {
        await cluster.adminSql(`GRANT team TO dave; REVOKE contractors FROM erin`);
        await cluster.sql(`ALTER ROLE carol SET pgaudit.log = 'none'`);

        const gate = await posture(["--require-group", "analysts:read,write"]);
        assert.equal(gate.code, 1, gate.stdout);
        assert.match(gate.stdout, /FAIL role dave|FAIL role "dave"/);
        assert.match(gate.stdout, /FAIL role "carol" in database "postgres": pgaudit\.log = 'none'/);

        const refresh = await pulumi(["refresh", "--yes"]);
        assert.match(refresh.stdout, /~ 1 updated/);
        const diff = (await pulumi(["preview", "--diff"])).stdout;
        // The CLI shows a joiner (found holding nothing) as an added member line.
        assert.match(diff, /[~+] role\/dave\s*: (?:"" => )?"log=read,write"/, diff);
        assert.match(diff, /~ role\/carol\s*: "log=none" => "log=read,write"/);
        assert.match(diff, /- leavers\s*: \{[\s\S]*group\/contractors[\s\S]*role\/erin\s*: "log=ddl"/);
        assert.doesNotMatch(diff, /[~+-] role\/bob/, "bob did not change");

        await pulumi(["up", "--yes"]);
        assert.equal(
            await pgauditCatalog(cluster),
            [
                "role alice: pgaudit.log=all",
                "role bob: pgaudit.log=read,write,ddl",
                "role carol: pgaudit.log=read,write",
                "role dave: pgaudit.log=read,write",
            ].join("\n"),
            "the joiner and the changed member converged; the leaver reset",
        );
        assert.deepEqual(await audited("erin"), [], "the leaver audits nothing any more");
        assert.equal((await posture(["--require-group", "analysts:read,write"])).code, 0);
        await pulumi(["preview", "--expect-no-changes"]);
        await pulumi(["refresh", "--yes", "--expect-no-changes"]);

        await pulumi(["destroy", "--yes"]);
        assert.equal(await pgauditCatalog(cluster), "", "destroy resets every member");
    },
);
