// What the real CLI decides: a stack deployed with one build of the package is refreshed,
// updated and destroyed by the code of the build installed later (the state's __provider only
// names the package). The Aiven examples run through the real Aiven plugin in aiven.test.ts.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { startCluster, type TestCluster } from "../../sandbox/cluster";
import { PulumiWorkspace } from "../../sandbox/pulumiCli";
import { resourceIn } from "../support/checkpoint";
import { createUserProject, packTarball, type UserProject } from "../../sandbox/userProject";

const execFileAsync = promisify(execFile);

const PROGRAM = `import * as pulumi from "@pulumi/pulumi";
import { PgAuditSetting } from "pulumi-aiven-pgaudit";
const config = new pulumi.Config();
const connection = config.requireSecret("connection");
for (const role of ["u1", "u2"]) new PgAuditSetting(\`role-\${role}\`, { connection, role, settings: { log: [config.require("log")] } });
`;

// Appended to the rebuilt package's provider entry point: each call of the provider the host
// loads is written to a file, so the test sees which build ran.
const CHANGED_PROVIDER = `
{
    const marker = process.env.PGAUDIT_UPGRADE_MARKER;
    const provider = exports.pgAuditSettingProvider;
    if (marker) for (const method of ["create", "read", "update", "delete"]) {
        const original = provider[method];
        provider[method] = (...args) => { require("fs").appendFileSync(marker, method + "\\n"); return original.apply(provider, args); };
    }
}
`;

/** The package's tarball rebuilt as 0.1.1 with the changed provider entry point. */
async function rebuiltTarball(): Promise<string> {
    const work = fs.mkdtempSync(path.join(os.tmpdir(), "pgaudit-upgrade-"));
    await execFileAsync("tar", ["-xzf", await packTarball(), "-C", work]);
    const pkg = path.join(work, "package");
    const manifest = JSON.parse(fs.readFileSync(path.join(pkg, "package.json"), "utf8")) as Record<string, unknown>;
    fs.writeFileSync(path.join(pkg, "package.json"), JSON.stringify({ ...manifest, version: "0.1.1" }, null, 2));
    fs.appendFileSync(path.join(pkg, "dist", "provider", "index.js"), CHANGED_PROVIDER);
    const { stdout } = await execFileAsync("npm", ["pack", "--silent", "--pack-destination", work], { cwd: pkg });
    return path.join(work, stdout.trim().split("\n").pop()!);
}

let cluster: TestCluster;
let project: UserProject;
let workspace: PulumiWorkspace;

before(async () => {
    cluster = await startCluster();
    await cluster.sql(`CREATE ROLE u1 LOGIN; CREATE ROLE u2 LOGIN`);
    project = await createUserProject({ name: "pgaudit-upgrade", program: PROGRAM });
    workspace = new PulumiWorkspace(project.dir);
});
after(async () => {
    workspace?.remove();
    project?.remove();
    await cluster?.stop();
});

test("an upgrade: refresh, up and destroy of a stack deployed with 0.1.0 run the code of 0.1.1, once installed", { timeout: 600_000 }, async () => {
    const marker = path.join(workspace.homeDir, "calls.log");
    const env = { PGAUDIT_UPGRADE_MARKER: marker };
    await workspace.initStack("dev", { plain: { log: "ddl" }, secrets: { connection: cluster.adminUri() } });
    await workspace.run(["up", "--yes", "--skip-preview", "--stack", "dev"], { env });
    assert.equal(fs.existsSync(marker), false, "0.1.0 has no marker");
    const before = resourceIn((await workspace.exportStack("dev")).deployment, (r) => r.type.endsWith("PgAuditSetting"), "PgAuditSetting");

    await execFileAsync("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error", await rebuiltTarball()], { cwd: project.dir });
    assert.equal(project.installedVersion("pulumi-aiven-pgaudit"), "0.1.1");

    await workspace.run(["refresh", "--yes", "--skip-preview", "--stack", "dev"], { env });
    assert.deepEqual(fs.readFileSync(marker, "utf8").trim().split("\n"), ["read", "read"], "refresh ran 0.1.1's read");
    await workspace.run(["config", "set", "--stack", "dev", "log", "write"]);
    await workspace.run(["up", "--yes", "--skip-preview", "--stack", "dev"], { env });
    assert.deepEqual(fs.readFileSync(marker, "utf8").trim().split("\n").slice(2).sort(), ["update", "update"], "up ran 0.1.1's update");
    const rows = await cluster.sql<{ c: string[] }>(`SELECT setconfig AS c FROM pg_db_role_setting WHERE setrole = 'u1'::regrole`);
    assert.deepEqual(rows[0].c, ["pgaudit.log=write"]);
    // State written by 0.1.0 needed no migration: the __provider it holds only names the package.
    const after = resourceIn((await workspace.exportStack("dev")).deployment, (r) => r.type.endsWith("PgAuditSetting"), "PgAuditSetting");
    assert.equal(after.inputs.__provider, before.inputs.__provider);

    await workspace.run(["destroy", "--yes", "--skip-preview", "--stack", "dev"], { env });
    assert.deepEqual(fs.readFileSync(marker, "utf8").trim().split("\n").slice(4).sort(), ["delete", "delete"], "destroy ran 0.1.1's delete");
    assert.equal((await cluster.sql(`SELECT 1 FROM pg_db_role_setting`)).length, 0);
});
