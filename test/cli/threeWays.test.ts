// The three ways agree, on a generated declaration through the real engine and a real server:
// 120 generated scopes (one login role each: its role scope or its role in database shop; settings
// in pgaudit's own grammar; a random half excepted) in one PgAuditScopes. Per scope and baseline,
// the verdict of
//   - the component's own baseline check (in-process, test/support/verdicts.ts),
//   - the policy pack under `pulumi preview --policy-pack`, with and without the exceptions,
//   - `pgaudit-posture --baseline` after `pulumi up`, on what each role's new session gets
// must be the same (the gate takes no exceptions: it is compared with the verdicts before them).
// The server-wide values meet both baselines, so a scope's sessions get its settings over the
// server's. The seed is printed: FC_SEED=N reruns a failing draw.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import fs from "node:fs";
import path from "node:path";
import { startCluster, type TestCluster } from "../../sandbox/cluster";
import { PulumiWorkspace } from "../../sandbox/pulumiCli";
import { createUserProject, REPO_ROOT, type UserProject } from "../../sandbox/userProject";
import { casesArbitrary, DATABASE, exceptionsOf, packFailures, scopesList, scopeWords, type Case } from "../support/declarations";
import { inProcessVerdicts } from "../support/verdicts";

const STACK = "dev";
const COUNT = 120;
const PACK = path.join("node_modules", "pulumi-aiven-pgaudit", "policy");
const policyVersion = (JSON.parse(fs.readFileSync(path.join(REPO_ROOT, "node_modules", "@pulumi", "policy", "package.json"), "utf8")) as { version: string })
    .version;
const seed = process.env.FC_SEED ? Number(process.env.FC_SEED) : Date.now() % 2 ** 31;

let cluster: TestCluster;
let project: UserProject;
let workspace: PulumiWorkspace;
let cases: Case[];

before(async () => {
    console.log(`threeWays: FC_SEED=${seed}`);
    cases = fc.sample(casesArbitrary("agree_", COUNT, COUNT), { numRuns: 1, seed })[0];
    cluster = await startCluster({ settings: { "pgaudit.log": "ddl,role,read,write", "pgaudit.log_catalog": "on" } });
    await cluster.adminSql(`CREATE DATABASE ${DATABASE}`);
    await cluster.adminSql(cases.map((c) => `CREATE ROLE ${c.role} LOGIN;`).join("\n"));
    project = await createUserProject({
        name: "pgaudit-three-ways",
        extraPackages: [`@pulumi/policy@${policyVersion}`],
        program: `import * as fs from "fs";
import * as pulumi from "@pulumi/pulumi";
import { PgAuditScopes } from "pulumi-aiven-pgaudit/provider";
new PgAuditScopes("generated", {
    connection: new pulumi.Config().requireSecret("connection"),
    scopes: JSON.parse(fs.readFileSync("scopes.json", "utf8")),
});
`,
    });
    project.writeFile("scopes.json", JSON.stringify(scopesList(cases)));
    workspace = new PulumiWorkspace(project.dir);
    await workspace.initStack(STACK, { secrets: { connection: cluster.adminUri() } });
});
after(async () => {
    workspace?.remove();
    project?.remove();
    await cluster?.stop();
});

/** The scopes the pack fails in a real preview with this configuration. */
async function packThroughEngine(config: object): Promise<Set<string>> {
    project.writeFile("pgaudit-policy.json", JSON.stringify({ "pgaudit-baseline": config }));
    const run = await workspace.run(["preview", "--stack", STACK, "--policy-pack", PACK, "--policy-pack-config", "pgaudit-policy.json"], {
        allowFailure: true,
    });
    const lines = run.stdout.split("\n");
    const messages = lines.flatMap((line, i) => (/^\s*- \[mandatory\]\s+pgaudit-baseline\s+\(/.test(line) ? [lines[i + 2].trim()] : []));
    assert.equal(run.code === 0, messages.length === 0, run.stdout + run.stderr);
    assert.match(run.stdout, /pulumi-aiven-pgaudit@v/, run.stdout + run.stderr);
    return packFailures(messages);
}

/** The scopes whose sessions `pgaudit-posture --baseline` fails: a role scope in any database, a role-in-database scope in its own. */
async function postureFailures(baseline: string): Promise<Set<string>> {
    let out: string;
    try {
        out = await project.npx("pgaudit-posture", ["--connection", cluster.adminUri(), "--baseline", baseline, "--json"]);
    } catch (err) {
        // Exit 1 is the gate's verdict; its report is still on stdout.
        out = /failed: [^\n]*\n([\s\S]*)$/.exec((err as Error).message)?.[1] ?? "";
    }
    const report = JSON.parse(out.slice(out.indexOf("{"), out.lastIndexOf("}") + 1)) as { baseline: { violations: { role: string; database: string }[] } };
    const failed = new Set<string>();
    for (const c of cases) {
        const hit = report.baseline.violations.some((v) => v.role === c.role && (c.database === undefined || v.database === c.database));
        if (hit) failed.add(scopeWords(c));
    }
    return failed;
}

const pick = (keys: Set<string>, want: (c: Case) => boolean) => cases.filter((c) => keys.has(scopeWords(c)) !== want(c));

for (const baseline of ["stig", "cis"]) {
    test(`${baseline}: the component, the pack through the real engine, and the gate after up agree on ${COUNT} generated scopes`, async () => {
        const inProcess = await inProcessVerdicts(baseline, cases);
        const weak = (c: Case) => inProcess.pack.has(scopeWords(c));
        assert.ok(cases.some(weak) && cases.some((c) => !weak(c)), "the draw holds weak and compliant scopes");

        const engine = await packThroughEngine({ baseline });
        assert.deepEqual(pick(engine, weak), [], "the pack through the engine fails exactly the scopes it fails in-process");
        const engineExcepted = await packThroughEngine({ baseline, exceptions: exceptionsOf(cases) });
        assert.deepEqual(
            pick(engineExcepted, (c) => weak(c) && !c.excepted),
            [],
            "with the exceptions, exactly the weak scopes not excepted",
        );
        assert.deepEqual(
            cases.filter((c) => inProcess.component.weaker.has(scopeWords(c)) !== (weak(c) && !c.excepted)),
            [],
            "the component refuses exactly those",
        );

        const up = await workspace.run(["up", "--yes", "--skip-preview", "--stack", STACK]);
        assert.equal(up.code, 0);
        const gate = await postureFailures(baseline);
        assert.deepEqual(pick(gate, weak), [], "the gate fails exactly the weak scopes' sessions");
    });
}
