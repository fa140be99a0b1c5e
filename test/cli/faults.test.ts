// Faults under the real `pulumi` CLI: the database stopped in the middle of an `up` of 120
// settings, and the CLI itself killed with SIGKILL mid-`up`. In both, the steps the README's
// "When a run dies" section gives converge: every declared setting exactly once, nothing lost.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import { startCluster, type TestCluster } from "../../sandbox/cluster";
import { killGroup, killOrphanedPlugins, PulumiWorkspace, type CliRun } from "../../sandbox/pulumiCli";
import { createUserProject, type UserProject } from "../../sandbox/userProject";

const COUNT = 120;
const PROGRAM = `import * as pulumi from "@pulumi/pulumi";
import { PgAuditSetting } from "pulumi-aiven-pgaudit";

const config = new pulumi.Config();
const connection = config.requireSecret("connection");
const prefix = config.require("prefix");
for (let i = 0; i < config.requireNumber("count"); i++) {
    new PgAuditSetting(\`role-\${prefix}\${i}\`, { connection, role: \`\${prefix}\${i}\`, settings: { log: ["ddl"] }, connectDeadlineSeconds: 3 });
}
`;

let cluster: TestCluster;
let project: UserProject;
let workspace: PulumiWorkspace;

before(async () => {
    cluster = await startCluster();
    const roles = (prefix: string) => Array.from({ length: COUNT }, (_, i) => `CREATE ROLE ${prefix}${i} LOGIN;`).join("\n");
    await cluster.sql(roles("o") + roles("k"));
    project = await createUserProject({ name: "pgaudit-faults", program: PROGRAM });
    workspace = new PulumiWorkspace(project.dir);
});
after(async () => {
    workspace?.remove();
    project?.remove();
    await cluster?.stop();
});

/** Each role of the prefix holds exactly one pgaudit entry, pgaudit.log=ddl; returns how many do. */
async function converged(prefix: string): Promise<number> {
    const rows = await cluster.sql<{ rolname: string; setconfig: string[] | null }>(
        `SELECT r.rolname, s.setconfig FROM pg_roles r
           LEFT JOIN pg_db_role_setting s ON s.setrole = r.oid AND s.setdatabase = 0
          WHERE r.rolname ~ $1`,
        [`^${prefix}[0-9]+$`],
    );
    assert.equal(rows.length, COUNT);
    return rows.filter((r) => JSON.stringify(r.setconfig) === JSON.stringify(["pgaudit.log=ddl"])).length;
}

function settingsInState(deployment: { resources?: { type: string }[] }): number {
    return (deployment.resources ?? []).filter((r) => r.type === "pulumi-nodejs:dynamic/pgaudit:PgAuditSetting").length;
}

/** Starts `pulumi up` and calls `midway` once `after` resources have been created. */
function upInterrupted(stack: string, after: number, midway: (child: import("node:child_process").ChildProcess) => void): Promise<CliRun> {
    let created = 0;
    let fired = false;
    return workspace.run(["up", "--yes", "--skip-preview", "--stack", stack], {
        allowFailure: true,
        detached: true,
        onOutput: (text, child) => {
            created += (text.match(/PgAuditSetting role-\w+ created/g) ?? []).length;
            if (!fired && created >= after) {
                fired = true;
                midway(child);
            }
        },
    });
}

test("the database stopped mid-up: the CLI names each failed resource and why; after a restart, up converges", { timeout: 600_000 }, async () => {
    await workspace.initStack("outage", { plain: { count: String(COUNT), prefix: "o" }, secrets: { connection: cluster.adminUri() } });
    const up = await upInterrupted("outage", 25, () => void cluster.halt());
    assert.notEqual(up.code, 0);
    const failed = [...up.stdout.matchAll(/PgAuditSetting (role-o\d+) \*\*creating failed\*\*/g)].map((m) => m[1]);
    assert.ok(failed.length > 0, up.stdout);
    // Each failure says what it waited for, within the resource's 3-second deadline, and the fix.
    assert.match(
        up.stdout,
        /could not connect to avnadmin@127\.0\.0\.1:\d+\/postgres \(sslMode disable\)( after \d+ attempts in 3s \(raise connectDeadlineSeconds for a slower start\))?:/,
    );
    assert.ok(!up.stdout.includes(cluster.admin.password) && !up.stderr.includes(cluster.admin.password));
    const partial = settingsInState((await workspace.exportStack("outage")).deployment);
    assert.ok(partial < COUNT, `${partial} of ${COUNT} in state after the outage`);

    await cluster.resume();
    const rerun = await workspace.run(["up", "--yes", "--skip-preview", "--stack", "outage"]);
    assert.match(rerun.stdout, new RegExp(`\\+ ${COUNT - partial} created`));
    assert.equal(await converged("o"), COUNT, "every role holds its one setting, none doubled");
    assert.equal(settingsInState((await workspace.exportStack("outage")).deployment), COUNT);
    await workspace.run(["preview", "--expect-no-changes", "--stack", "outage"]);
});

test(
    "the CLI killed mid-up (SIGKILL), its checkpoint cut mid-write: cancel, restore the .bak, clear pending creates, up converges",
    { timeout: 600_000 },
    async () => {
        const stack = "killed";
        await workspace.initStack(stack, { plain: { count: String(COUNT), prefix: "k" }, secrets: { connection: cluster.adminUri() } });
        const killed = await upInterrupted(stack, 30, killGroup);
        assert.equal(killed.signal, "SIGKILL");
        // What a CI runner does when it kills a job: nothing of it is left running (the engine
        // starts provider hosts in process groups of their own).
        killOrphanedPlugins(project.dir);

        // 1. The stack is locked: the CLI says to run `pulumi cancel` (or, when the kill cut the
        //    checkpoint itself, that it cannot load it: then the lock goes the same way).
        const locked = await workspace.run(["up", "--yes", "--skip-preview", "--stack", stack], { allowFailure: true });
        assert.notEqual(locked.code, 0);
        assert.match(locked.stdout + locked.stderr, /pulumi cancel|failed to load checkpoint/);
        const cancel = await workspace.run(["cancel", "--yes", "--stack", stack], { allowFailure: true });
        if (/pulumi cancel/.test(locked.stdout + locked.stderr)) assert.equal(cancel.code, 0, cancel.stderr);

        // 2. A checkpoint cut mid-write: measured once in three kills; made certain here by cutting
        //    it when the kill did not. The kill may instead have cut the backup (it is written
        //    first); then the checkpoint itself is whole and there is nothing to restore.
        const checkpoint = workspace.checkpointFile(stack);
        const whole = (file: string) => {
            try {
                JSON.parse(fs.readFileSync(file, "utf8"));
                return true;
            } catch {
                return false;
            }
        };
        const exportable = async () => (await workspace.run(["stack", "export", "--stack", stack], { allowFailure: true })).code === 0;
        if (whole(`${checkpoint}.bak`)) {
            if (await exportable()) fs.writeFileSync(checkpoint, fs.readFileSync(checkpoint).subarray(0, Math.floor(fs.statSync(checkpoint).size / 2)));
            const unreadable = await workspace.run(["stack", "export", "--stack", stack], { allowFailure: true });
            assert.notEqual(unreadable.code, 0);
            assert.match(unreadable.stderr, /checkpoint/);
            // The .bak is a checkpoint, not an export (stack import refuses it): put it back in place.
            for (const suffix of ["", ".attrs"]) fs.copyFileSync(`${checkpoint}.bak${suffix}`, `${checkpoint}${suffix}`);
        }
        assert.ok(await exportable(), "the checkpoint loads again");
        // A lock the unreadable checkpoint kept cancel from removing goes now.
        await workspace.run(["cancel", "--yes", "--stack", stack], { allowFailure: true });

        // 3. Creates that were in flight are pending: refresh clears them, then up converges.
        await workspace.run(["refresh", "--yes", "--clear-pending-creates", "--stack", stack]);
        await workspace.run(["up", "--yes", "--skip-preview", "--stack", stack]);
        assert.equal(await converged("k"), COUNT, "every role holds its one setting, none doubled");
        assert.equal(settingsInState((await workspace.exportStack(stack)).deployment), COUNT);
        await workspace.run(["preview", "--expect-no-changes", "--stack", stack]);
    },
);
