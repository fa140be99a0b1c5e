/**
 * `npm run demo -- --aiven`: the seed's flow end to end, examples/aiven through the real `pulumi`
 * CLI and the real Aiven provider plugin (6.51.0), against a STAND-IN of Aiven's API
 * (sandbox/aivenApi.ts: not Aiven) whose PostgreSQL service is a throwaway real PostgreSQL 15 +
 * pgaudit reached over TLS verified against the stand-in's project CA. up, new sessions' AUDIT
 * lines, a hand change on each side put back, preview --expect-no-changes, destroy. About 4
 * minutes, nearly all of it the provider's own fixed sleeps.
 */
import { startAivenApi, type AivenApiStandIn } from "../sandbox/aivenApi";
import { aivenExampleProject, type AivenExampleProject } from "../sandbox/aivenExample";
import { startCluster, type TestCluster } from "../sandbox/cluster";
import { pulumiBinDir, type CliRun } from "../sandbox/pulumiCli";
import { cleanUpOnInterrupt, seconds, step, table } from "./support";

const STACK = "demo-aiven";

export async function aivenDemo(): Promise<number> {
    console.log("pulumi-aiven-pgaudit demo --aiven: examples/aiven through the real pulumi CLI and the real Aiven provider plugin,");
    console.log("against a STAND-IN of Aiven's HTTP API (sandbox/aivenApi.ts, not Aiven) backed by a real PostgreSQL + pgaudit\n");
    let cluster: TestCluster | undefined;
    let api: AivenApiStandIn | undefined;
    let ex: AivenExampleProject | undefined;
    let deployed = false;
    let cleaned = false;
    const cleanup = async () => {
        if (cleaned) return;
        cleaned = true;
        if (ex && deployed && api && api.services.size > 0) await pulumi(ex, api, ["destroy", "--yes", "--skip-preview"]).catch(() => undefined);
        ex?.remove();
        await api?.stop();
        if (cluster) await step("stopping the cluster and removing its files", () => cluster!.stop());
    };
    cleanUpOnInterrupt(cleanup);
    try {
        console.log(`  pulumi from ${await step("the Pulumi CLI (scripts/pulumi-cli.sh)", () => Promise.resolve(pulumiBinDir()))}`);
        cluster = await step(
            "starting a throwaway PostgreSQL with pgaudit",
            () => startCluster(),
            (c) => `127.0.0.1:${c.port}`,
        );
        const c = cluster;
        api = await step(
            "starting the stand-in of Aiven's API on 127.0.0.1 (its pg service is that PostgreSQL: TLS only, a project CA at /kms/ca)",
            () => startAivenApi(c),
            (a) => `${a.url}, project ${a.project}`,
        );
        const a = api;
        ex = await step("a user's Pulumi project: examples/aiven, this package from its tarball, the Aiven plugin 6.51.0 installed", () =>
            aivenExampleProject(a, "pgaudit-demo-aiven"),
        );
        const e = ex;
        e.useExample("aiven");
        await e.workspace.initStack(STACK, {
            plain: { project: a.project, servicePrefix: "demo", pgVersion: String(c.major) },
            secrets: { "aiven:apiToken": "stand-in-token" },
        });
        console.log(`  AIVEN_WEB_URL=${a.url}; aiven:apiToken set as secret config (any string: the stand-in takes any token)`);

        deployed = true;
        a.clearRequests();
        await pulumi(e, a, ["up", "--yes", "--skip-preview"]);
        console.log(
            `  the provider's calls: ${a.requests.length}; services ${[...a.services.keys()].join(", ")}; integrations ${[...a.integrations.values()].map((i) => `${i.integration_type} ${i.source_service} → ${i.dest_service}`).join(", ")}`,
        );
        const pg = [...a.services.values()].find((s) => s.service_type === "pg")!;
        console.log(`  user_config.pgaudit the service got: ${JSON.stringify(pg.user_config.pgaudit)}`);

        await c.sql(`CREATE TABLE orders(item text); GRANT ALL ON orders TO app, reporting`, [], "shop");
        console.log("▸ new sessions as the audited roles, in database shop:");
        const probes: [string, string][] = [
            ["app", "INSERT INTO orders VALUES ('tea')"],
            ["reporting", "SELECT count(*) FROM orders"],
        ];
        const rows: string[][] = [];
        let allOk = true;
        for (const [role, sql] of probes) {
            const lines = await auditOf(c, role, "shop", sql);
            allOk &&= lines.length > 0;
            rows.push([role, sql, lines.map((l) => l.slice(l.indexOf("AUDIT:"))).join(" | ") || "(none)"]);
        }
        console.log(table(["role", "statement", "AUDIT lines in the server log"], rows));

        console.log("▸ a hand change on each side: the service's pgaudit.log through the API (as in the console), role app silenced by SQL");
        await a.setUserConfig(pg.service_name, { pgaudit: { ...(pg.user_config.pgaudit as object), log: ["all"] } });
        await c.sql(`ALTER ROLE app SET pgaudit.log = 'none'`);
        await pulumi(e, a, ["refresh", "--yes", "--skip-preview"]);
        await pulumi(e, a, ["up", "--yes", "--skip-preview"]);
        const [server] = await c.sql<{ log: string }>(`SELECT current_setting('pgaudit.log') AS log`);
        const back = (await auditOf(c, "app", "shop", "INSERT INTO orders VALUES ('tea')")).length > 0;
        console.log(`  server pgaudit.log = ${server.log}; app audited again: ${back}`);
        allOk &&= server.log === "ddl,role" && back;
        a.clearRequests();
        const quiet = await pulumi(e, a, ["preview", "--expect-no-changes"], true);
        console.log(`  that preview's calls to the API: ${a.requests.length} (no getProject: the CA is read at up)`);
        allOk &&= quiet.code === 0;

        await c.sql(`DROP TABLE orders`, [], "shop");
        a.clearRequests();
        await pulumi(e, a, ["destroy", "--yes", "--skip-preview"]);
        const drops = a.requests.filter((r) => r.method === "DELETE" && /\/(user|db)\/[^/]+$/.test(r.path));
        const clean = drops.every((d) => d.settingsAtDrop?.length === 0);
        console.log(`  ${drops.length} roles/databases dropped, each with its pgaudit settings already reset: ${clean}; services left: ${a.services.size}`);
        allOk &&= clean && a.services.size === 0;
        console.log(`\n${allOk ? "the seed's flow ran end to end against the stand-in" : "SOMETHING DID NOT GO AS DECLARED"}`);
        await cleanup();
        return allOk ? 0 : 1;
    } catch (err) {
        console.error(`\ndemo --aiven failed: ${err instanceof Error ? err.message : String(err)}`);
        await cleanup().catch(() => undefined);
        return 1;
    }
}

async function pulumi(ex: AivenExampleProject, api: AivenApiStandIn, args: string[], allowFailure = false): Promise<CliRun> {
    console.log(`▸ pulumi ${args.join(" ")}`);
    const run = await ex.run(STACK, args, allowFailure);
    const text = (run.stdout + run.stderr).replace(/\r/g, "").trimEnd();
    for (const line of text.split("\n")) if (line.trim() && !/^@ /.test(line)) console.log(`    │ ${line}`);
    console.log(`    (${seconds(run.ms)}; ${api.requests.length} calls in the stand-in's log since it was last cleared)`);
    return run;
}

async function auditOf(cluster: TestCluster, role: string, database: string, sql: string): Promise<string[]> {
    const offset = cluster.logOffset();
    const app = `demo_${role}_${Date.now()}`;
    const client = await cluster.connectAs(role, database, app);
    try {
        await client.query(sql);
    } finally {
        await client.end();
    }
    return cluster.waitForAuditLines(offset, app, 1, 2000);
}
