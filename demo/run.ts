/**
 * `npm run demo`: the audit posture of examples/local, applied to a throwaway PostgreSQL with
 * pgaudit exactly as `pulumi up` would apply it, then proven by the AUDIT lines that new sessions
 * of each role write. No Aiven account, no Pulumi CLI needed; everything is removed at the end.
 *
 *   npm run demo                   # engine: the Pulumi CLI if one is on PATH, else the SDK's provider host
 *   npm run demo -- --engine=host  # always the provider host (what the tests exercise)
 *   npm run demo -- --engine=cli   # the Pulumi CLI with a local file backend (untested here)
 *   npm run demo -- --pg 18        # PostgreSQL 15, 17 or 18 (default: the newest this machine has or can install)
 */
import path from "node:path";
import { declarePosture } from "../examples/local/posture";
import { pgAuditLogCovers } from "../provider";
import { startCluster, type TestCluster } from "../sandbox/cluster";
import { majorFromArgs, newestAvailableMajor, postgresReady } from "../sandbox/postgresInstall";
import { registerUnderMocks, type Registration } from "../test/support/engineHarness";
import { prepareCliStack, type CliStack } from "./cli";
import { MiniEngine, type Deployed } from "./engine";
import { cleanUpOnInterrupt, onPath, step, table } from "./support";

type Engine = { kind: "host" } | { kind: "cli"; bin: string };

function chooseEngine(): Engine {
    const arg = process.argv.find((a) => a.startsWith("--engine="))?.slice("--engine=".length) ?? process.env.PGAUDIT_DEMO_ENGINE ?? "auto";
    if (!["auto", "host", "cli"].includes(arg)) throw new Error(`--engine must be auto, host or cli, not ${JSON.stringify(arg)}`);
    const bin = arg === "host" ? undefined : onPath("pulumi");
    if (arg === "cli" && !bin) throw new Error("--engine=cli: no `pulumi` on PATH");
    return bin ? { kind: "cli", bin } : { kind: "host" };
}

type AuditClass = "read" | "write" | "ddl" | "role";

/** A new session as `role` in `database`, and statements whose pgaudit class is known. */
interface Probe {
    readonly role: string;
    readonly database: string;
    readonly statements: readonly { readonly sql: string; readonly cls: AuditClass }[];
}

/** `clerk` has no setting of its own: it shows what the database scope does. */
const PROBES: readonly Probe[] = [
    {
        role: "clerk",
        database: "shop",
        statements: [
            { sql: "CREATE TABLE clerk_notes(note text)", cls: "ddl" },
            { sql: "INSERT INTO clerk_notes VALUES ('restock tea')", cls: "write" },
            { sql: "SELECT count(*) FROM clerk_notes", cls: "read" },
            { sql: "GRANT SELECT ON clerk_notes TO reporting", cls: "role" },
        ],
    },
    {
        role: "app",
        database: "shop",
        statements: [
            { sql: "CREATE TABLE app_scratch(id int)", cls: "ddl" },
            { sql: "INSERT INTO orders(item) VALUES ('tea')", cls: "write" },
            { sql: "SELECT count(*) FROM orders", cls: "read" },
        ],
    },
    {
        role: "app",
        database: "warehouse",
        statements: [
            { sql: "INSERT INTO stock(item) VALUES ('tea')", cls: "write" },
            { sql: "SELECT count(*) FROM stock", cls: "read" },
        ],
    },
    {
        role: "reporting",
        database: "shop",
        statements: [
            { sql: "SELECT count(*) FROM orders", cls: "read" },
            { sql: "CREATE TEMP TABLE scratch(id int)", cls: "ddl" },
        ],
    },
];

/** What `declarePosture` needs to exist (it manages settings, not databases or roles), plus the probes' tables. */
async function createObjects(cluster: TestCluster): Promise<void> {
    // As on Aiven: databases owned by avnadmin (aiven.PgDatabase), roles without special rights.
    await cluster.sql(`CREATE DATABASE shop OWNER avnadmin`);
    await cluster.sql(`CREATE DATABASE warehouse OWNER avnadmin`);
    await cluster.adminSql(`CREATE ROLE app LOGIN; CREATE ROLE reporting LOGIN; CREATE ROLE clerk LOGIN`); // so avnadmin may alter them on 16+
    await cluster.sql(
        `CREATE TABLE orders(item text);
         GRANT SELECT, INSERT ON orders TO app;
         GRANT SELECT ON orders TO reporting;
         GRANT CREATE ON SCHEMA public TO app, clerk;`,
        [],
        "shop",
    );
    await cluster.sql(`CREATE TABLE stock(item text); GRANT SELECT, INSERT ON stock TO app;`, [], "warehouse");
}

interface Declared {
    readonly log: string[];
    /** The scope the value comes from, e.g. `role "app" in database "shop"`. */
    readonly from: string;
}

function describeScope(inputs: { database?: unknown; role?: unknown }): string {
    if (inputs.role !== undefined && inputs.database !== undefined) return `role "${inputs.role}" in database "${inputs.database}"`;
    return inputs.role !== undefined ? `role "${inputs.role}"` : `database "${inputs.database}"`;
}

/** The pgaudit.log a new session of `role` in `database` gets from the declarations: role-in-database > role > database > server. */
function declaredFor(registrations: readonly Registration[], role: string, database: string, serverDefault: string): Declared {
    const scopes = registrations.map((r) => r.inputs as { role?: string; database?: string; settings: { log?: string | string[] } });
    const pick =
        scopes.find((s) => s.role === role && s.database === database) ??
        scopes.find((s) => s.role === role && s.database === undefined) ??
        scopes.find((s) => s.role === undefined && s.database === database);
    if (!pick?.settings.log) return { log: [serverDefault], from: "server default" };
    const log = typeof pick.settings.log === "string" ? pick.settings.log.split(",").map((t) => t.trim()) : pick.settings.log;
    return { log, from: describeScope(pick) };
}

/** The class field of an AUDIT line: `AUDIT: SESSION,1,1,DDL,CREATE TABLE,…` → `ddl`. */
function auditClass(line: string): string {
    return (line.split("AUDIT: ")[1]?.split(",")[3] ?? "?").toLowerCase();
}

interface ProbeResult {
    readonly probe: Probe;
    readonly declared: Declared;
    readonly expected: string[];
    readonly lines: string[];
    readonly ok: boolean;
}

async function runProbe(cluster: TestCluster, probe: Probe, declared: Declared, index: number): Promise<ProbeResult> {
    const app = `demo_probe_${index}`;
    const offset = cluster.logOffset();
    const client = await cluster.connectAs(probe.role, probe.database, app);
    try {
        for (const s of probe.statements) await client.query(s.sql);
    } finally {
        await client.end();
    }
    const expected = [...new Set(probe.statements.filter((s) => pgAuditLogCovers(declared.log, [s.cls])).map((s) => s.cls))];
    // A session that audits nothing writes nothing: wait for the expected lines, briefly when none.
    const lines = await cluster.waitForAuditLines(offset, app, Math.max(1, expected.length), expected.length ? 5000 : 500);
    const seen = [...new Set(lines.map(auditClass))];
    const ok = seen.length === expected.length && expected.every((c) => seen.includes(c));
    return { probe, declared, expected, lines, ok };
}

const VERB: Record<string, string> = { create: "created", delete: "deleted" };

async function main(): Promise<number> {
    const engine = chooseEngine();
    const major = majorFromArgs(process.argv) ?? (await newestAvailableMajor());
    console.log(`pulumi-aiven-pgaudit demo: the audit posture of examples/local on a throwaway PostgreSQL ${major} + pgaudit\n`);
    let cluster: TestCluster | undefined;
    let mini: MiniEngine | undefined;
    let cli: CliStack | undefined;
    let deployed: Deployed[] = [];
    let cleaned = false;
    const cleanup = async () => {
        if (cleaned) return;
        cleaned = true;
        if (cli) await step("pulumi destroy (Pulumi CLI)", () => cli!.destroy());
        if (mini && deployed.length) {
            const gone = deployed;
            deployed = [];
            await step(`deleting ${gone.length} resources through the provider host, in reverse order, as \`pulumi destroy\` does`, () => mini!.destroy(gone));
        }
        if (mini) {
            await mini.close();
            const stderr = mini.host.stderr.trim();
            if (stderr) console.log(`  the provider host wrote to stderr:\n${stderr.replace(/^/gm, "    ")}`);
        }
        if (cluster) {
            const left = await cluster.sql<{ n: string }>(`SELECT count(*) AS n FROM pg_db_role_setting, unnest(setconfig) c WHERE c LIKE 'pgaudit.%'`);
            console.log(`  pg_db_role_setting now holds ${left[0].n} pgaudit entries`);
            await step("stopping the cluster and removing its files", () => cluster!.stop());
        }
    };
    cleanUpOnInterrupt(cleanup);

    try {
        const install = postgresReady(major) ? "" : ` (installing PostgreSQL ${major} and its pgaudit first)`;
        cluster = await step(
            `starting a throwaway PostgreSQL ${major} with pgaudit${install}`,
            () => startCluster({ major, progress: (m) => process.stdout.write(`\n  ${m} … `) }),
            (c) => `listening on 127.0.0.1:${c.port}`,
        );
        const c = cluster;
        const server = await c.sql<{ v: string; a: string; log: string }>(
            `SELECT current_setting('server_version') AS v, (SELECT default_version FROM pg_available_extensions WHERE name = 'pgaudit') AS a, current_setting('pgaudit.log') AS log`,
        );
        console.log(`  PostgreSQL ${server[0].v}, pgaudit ${server[0].a}; server-wide pgaudit.log = ${server[0].log}`);
        console.log(`  connecting as avnadmin@127.0.0.1:${c.port}/postgres: not a superuser, GRANT SET ON PARAMETER pgaudit.* (as on Aiven)`);
        await step("creating databases shop and warehouse, roles app, reporting and clerk (as avnadmin), and a table in each database", () => createObjects(c));

        const registrations = await step(
            "declaring the posture of examples/local/posture.ts under Pulumi mocks (which serializes __provider as `pulumi up` does)",
            () => registerUnderMocks(() => declarePosture(c.adminUri())),
            (r) => `${r.length} resources, __provider ${Buffer.byteLength(String(r[0].inputs.__provider))} bytes`,
        );
        for (const r of registrations) {
            const s = r.inputs as { settings: Record<string, unknown> };
            console.log(`    ${r.name.padEnd(18)} ${describeScope(r.inputs).padEnd(32)} ${JSON.stringify(s.settings)}`);
        }

        if (engine.kind === "cli") {
            console.log(`▸ applying with the Pulumi CLI (${engine.bin}): \`pulumi up\` in examples/local, local file backend in a temp dir`);
            console.log("  (this path is not exercised by the project's tests: no Pulumi CLI there; --engine=host runs the tested path)");
            const projectDir = path.resolve(__dirname, "../../examples/local");
            cli = await prepareCliStack(engine.bin, projectDir, c.adminUri());
            await cli.up();
        } else {
            console.log("▸ applying through the SDK's dynamic-provider host (@pulumi/pulumi/cmd/dynamic-provider), as `pulumi up` does:");
            console.log("  no Pulumi CLI on PATH, so a mini engine sends Configure, then Check and Create per resource, over gRPC");
            mini = await MiniEngine.start();
            const m = mini;
            deployed = await m.up(registrations, (e) =>
                console.log(`    + ${e.registration.name.padEnd(18)} ${VERB[e.op]}  id ${e.id}  ${String(e.outputs?.scope ?? "")}`),
            );
            console.log(`  ${deployed.length} created; host calls: ${JSON.stringify(m.host.calls)}`);
        }

        console.log("▸ opening a new session as each role, running statements, reading the AUDIT lines it wrote:");
        const results: ProbeResult[] = [];
        for (const [i, probe] of PROBES.entries()) {
            results.push(await runProbe(c, probe, declaredFor(registrations, probe.role, probe.database, server[0].log), i));
        }
        console.log(
            table(
                ["role", "database", "declared pgaudit.log", "declared at", "statements run", "AUDIT lines seen", ""],
                results.map((r) => [
                    r.probe.role,
                    r.probe.database,
                    r.declared.log.join(","),
                    r.declared.from,
                    `${r.probe.statements.length}: ${r.probe.statements.map((s) => s.cls).join(" ")}`,
                    r.lines.length ? `${r.lines.length}: ${[...new Set(r.lines.map(auditClass))].join(" ")}` : "0",
                    r.ok ? "as declared" : `MISMATCH (expected ${r.expected.join(" ") || "none"})`,
                ]),
            ),
        );
        console.log(
            [
                "  clerk has no setting of its own, so the database's applies; reporting's none silences even shop's ddl,role;",
                "  app's role-in-database setting replaces (does not add to) its role and database settings.",
            ].join("\n"),
        );
        console.log("\n  the AUDIT lines, as the server log has them (after the prefix):");
        for (const r of results) {
            console.log(`  ${r.probe.role} in ${r.probe.database}:${r.lines.length ? "" : " (none)"}`);
            for (const l of r.lines) {
                const text = l.slice(l.indexOf("AUDIT: ")).replace(/\s+/g, " ");
                console.log(`    ${text.length > 120 ? text.slice(0, 117) + "..." : text}`);
            }
        }
        const allOk = results.every((r) => r.ok);
        console.log(`\n${allOk ? "every session was audited as declared" : "SOME SESSIONS WERE NOT AUDITED AS DECLARED"}`);
        await cleanup();
        return allOk ? 0 : 1;
    } catch (e) {
        console.error(`\ndemo failed: ${e instanceof Error ? e.message : String(e)}`);
        if (engine.kind === "cli") console.error("(the Pulumi CLI path is untested here; `npm run demo -- --engine=host` runs the tested one)");
        await cleanup().catch((err) => console.error(`cleanup failed: ${err instanceof Error ? err.message : String(err)}`));
        return 1;
    }
}

main().then((code) => {
    process.exitCode = code;
});
