/**
 * `npm run demo`: examples/local applied to a throwaway PostgreSQL with pgaudit by the real
 * `pulumi` CLI, as a user's pipeline would: the package installed into a Pulumi project from its
 * tarball, `pulumi up`, the AUDIT lines that new sessions of each role write, a drift made by hand
 * that `pulumi refresh` shows and `pulumi up` puts back, `pgaudit-posture` on the result (last as
 * the HTML report, left in demo-report/), then `pulumi destroy`. No Aiven account needed; everything
 * else is removed at the end.
 *
 *   npm run demo                # the newest PostgreSQL this machine has or can install
 *   npm run demo -- --pg 18     # PostgreSQL 15, 17 or 18
 *   npm run demo -- --aiven     # examples/aiven with the real Aiven plugin against a stand-in of Aiven's API (demo/aiven.ts)
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { pgAuditLogCovers } from "../provider";
import { startCluster, type TestCluster } from "../sandbox/cluster";
import { createLocalExampleObjects, localExampleProject, type LocalExampleProject } from "../sandbox/localExample";
import { majorFromArgs, newestAvailableMajor, postgresReady } from "../sandbox/postgresInstall";
import { pulumiBinDir, type CliRun } from "../sandbox/pulumiCli";
import { cleanUpOnInterrupt, step, table } from "./support";
import { aivenDemo } from "./aiven";
import { writeEvidence } from "./evidence";

const execFileAsync = promisify(execFile);
const STACK = "demo";

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

/** Object audit on public.cards, as clerk (whose own pgaudit.log is shop's ddl,role: no reads, no writes). */
const CARD_PROBES = [
    { sql: "SELECT id, holder FROM cards", expect: "nothing: pan is not read" },
    { sql: "SELECT pan FROM cards", expect: "AUDIT: OBJECT … READ" },
    { sql: "UPDATE cards SET holder = 'bob' WHERE id = 1", expect: "AUDIT: OBJECT … WRITE" },
] as const;

interface Declared {
    readonly log: string[];
    /** The scope the value comes from, e.g. `role "app" in database "shop"`. */
    readonly from: string;
}

interface StateScope {
    readonly role?: string;
    readonly database?: string;
    readonly log?: string[];
    readonly scope: string;
}

/** The PgAuditSetting scopes as the stack's checkpoint holds them (pulumi stack export). */
async function scopesInState(local: LocalExampleProject): Promise<StateScope[]> {
    const { deployment } = await local.workspace.exportStack(STACK);
    return (deployment.resources ?? [])
        .filter((r) => r.type === "pulumi-nodejs:dynamic/pgaudit:PgAuditSetting")
        .map((r) => {
            const outputs = r.outputs as { role?: string; database?: string; settings: { log?: string[] }; scope: string };
            return { role: outputs.role, database: outputs.database, log: outputs.settings.log, scope: outputs.scope };
        });
}

/** The pgaudit.log a new session of `role` in `database` gets: role-in-database > role > database > server. */
function declaredFor(scopes: readonly StateScope[], role: string, database: string, serverDefault: string): Declared {
    const pick =
        scopes.find((s) => s.role === role && s.database === database) ??
        scopes.find((s) => s.role === role && s.database === undefined) ??
        scopes.find((s) => s.role === undefined && s.database === database);
    return pick?.log ? { log: pick.log, from: pick.scope } : { log: [serverDefault], from: "server default" };
}

/** The class field of an AUDIT line: `AUDIT: SESSION,1,1,DDL,CREATE TABLE,…` → `ddl`. */
function auditClass(line: string): string {
    return (line.split("AUDIT: ")[1]?.split(",")[3] ?? "?").toLowerCase();
}

/** The AUDIT lines a new session of `role` writes running `statements`; waits briefly when none are expected. */
async function auditLinesOf(cluster: TestCluster, role: string, database: string, statements: readonly string[], expected: number, tag: string) {
    const app = `demo_${tag}`;
    const offset = cluster.logOffset();
    const client = await cluster.connectAs(role, database, app);
    try {
        for (const sql of statements) await client.query(sql);
    } finally {
        await client.end();
    }
    return cluster.waitForAuditLines(offset, app, Math.max(1, expected), expected ? 5000 : 500);
}

const shortAudit = (line: string) => {
    const text = line.slice(line.indexOf("AUDIT: ")).replace(/\s+/g, " ");
    return text.length > 110 ? text.slice(0, 107) + "..." : text;
};

/** The CLI's own output, indented under the step that ran it. */
function showCli(run: CliRun): void {
    const text = (run.stdout + run.stderr).replace(/\r/g, "").trimEnd();
    for (const line of text.split("\n")) if (line.trim() && !/^@ /.test(line)) console.log(`    │ ${line}`);
}

async function pulumi(local: LocalExampleProject, args: string[], password: string, allowFailure = false): Promise<CliRun> {
    console.log(`▸ pulumi ${args.join(" ")}`);
    const run = await local.workspace.run([...args, "--stack", STACK], { allowFailure });
    // The CLI never prints it; this guards the demo's own output all the same.
    if ((run.stdout + run.stderr).includes(password)) throw new Error("the CLI printed the connection password");
    showCli(run);
    return run;
}

async function probeSessions(cluster: TestCluster, scopes: readonly StateScope[], serverLog: string): Promise<boolean> {
    const rows: string[][] = [];
    const shown: string[] = [];
    let allOk = true;
    for (const [i, probe] of PROBES.entries()) {
        const declared = declaredFor(scopes, probe.role, probe.database, serverLog);
        const expected = [...new Set(probe.statements.filter((s) => pgAuditLogCovers(declared.log, [s.cls])).map((s) => s.cls))];
        const lines = await auditLinesOf(
            cluster,
            probe.role,
            probe.database,
            probe.statements.map((s) => s.sql),
            expected.length,
            `p${i}`,
        );
        const seen = [...new Set(lines.map(auditClass))];
        const ok = seen.length === expected.length && expected.every((c) => seen.includes(c));
        allOk &&= ok;
        rows.push([
            probe.role,
            probe.database,
            declared.log.join(","),
            declared.from,
            `${probe.statements.length}: ${probe.statements.map((s) => s.cls).join(" ")}`,
            lines.length ? `${lines.length}: ${seen.join(" ")}` : "0",
            ok ? "as declared" : `MISMATCH (expected ${expected.join(" ") || "none"})`,
        ]);
        shown.push(`  ${probe.role} in ${probe.database}:${lines.length ? "" : " (none)"}`, ...lines.map((l) => `    ${shortAudit(l)}`));
    }
    console.log(table(["role", "database", "declared pgaudit.log", "declared at", "statements run", "AUDIT lines seen", "verdict"], rows));
    console.log("  clerk has no setting of its own, so the database's applies; reporting's none silences even shop's ddl,role;");
    console.log("  app's role-in-database setting replaces (does not add to) its role and database settings.");
    console.log("\n  the AUDIT lines, as the server log has them (after the prefix):");
    for (const l of shown) console.log(l);
    return allOk;
}

async function probeCards(cluster: TestCluster): Promise<boolean> {
    console.log("▸ object audit: clerk (pgaudit.log ddl,role: it audits no reads or writes of its own) on public.cards");
    let allOk = true;
    for (const [i, p] of CARD_PROBES.entries()) {
        const wanted = p.expect.startsWith("AUDIT") ? 1 : 0;
        const lines = (await auditLinesOf(cluster, "clerk", "shop", [p.sql], wanted, `c${i}`)).filter((l) => l.includes("AUDIT: OBJECT"));
        const ok = wanted ? lines.length > 0 && lines.every((l) => l.includes(p.expect.endsWith("READ") ? ",READ," : ",WRITE,")) : lines.length === 0;
        allOk &&= ok;
        console.log(
            `    ${p.sql.padEnd(46)} → ${lines.length ? shortAudit(lines[0]) : "no AUDIT line"}  ${ok ? "as declared" : `MISMATCH (expected ${p.expect})`}`,
        );
    }
    return allOk;
}

async function posture(local: LocalExampleProject, cluster: TestCluster, args: string[]): Promise<number> {
    console.log(`▸ pgaudit-posture ${args.join(" ")}   (PGHOST, PGPORT, PGUSER, PGPASSWORD from the environment, as in a pipeline)`);
    const env = {
        ...process.env,
        PGHOST: cluster.host,
        PGPORT: String(cluster.port),
        PGUSER: cluster.admin.user,
        PGPASSWORD: cluster.admin.password,
        PGDATABASE: "postgres",
        PGSSLMODE: "disable",
    };
    const bin = `${local.project.dir}/node_modules/.bin/pgaudit-posture`;
    const result = await execFileAsync(bin, args, { env, maxBuffer: 16 * 1024 * 1024 }).then(
        (r) => ({ code: 0, ...r }),
        (e: { code: number; stdout: string; stderr: string }) => e,
    );
    for (const line of (result.stdout + result.stderr).trimEnd().split("\n")) console.log(`    │ ${line}`);
    console.log(`  exit status ${result.code}`);
    return result.code;
}

async function main(): Promise<number> {
    if (process.argv.includes("--aiven")) return aivenDemo();
    const major = majorFromArgs(process.argv) ?? (await newestAvailableMajor());
    console.log(`pulumi-aiven-pgaudit demo: examples/local through the real pulumi CLI, on a throwaway PostgreSQL ${major} + pgaudit\n`);
    let cluster: TestCluster | undefined;
    let local: LocalExampleProject | undefined;
    let deployed = false;
    let cleaned = false;
    const cleanup = async () => {
        if (cleaned) return;
        cleaned = true;
        if (local && deployed && cluster) await pulumi(local, ["destroy", "--yes", "--skip-preview"], cluster.admin.password);
        local?.remove();
        if (cluster) {
            const left = await cluster.sql<{ n: string }>(`SELECT count(*) AS n FROM pg_db_role_setting, unnest(setconfig) c WHERE c LIKE 'pgaudit.%'`);
            console.log(`  pg_db_role_setting now holds ${left[0].n} pgaudit entries`);
            await step("stopping the cluster and removing its files", () => cluster!.stop());
        }
    };
    cleanUpOnInterrupt(cleanup);

    try {
        const bin = await step("the Pulumi CLI (scripts/pulumi-cli.sh: yours on PATH, or built once from the Go module proxy)", () =>
            Promise.resolve(pulumiBinDir()),
        );
        console.log(`  ${bin}`);
        const install = postgresReady(major) ? "" : ` (installing PostgreSQL ${major} and its pgaudit first)`;
        cluster = await step(
            `starting a throwaway PostgreSQL ${major} with pgaudit${install}`,
            () => startCluster({ major, progress: (m) => process.stdout.write(`\n  ${m} … `) }),
            (c) => `listening on 127.0.0.1:${c.port}`,
        );
        const c = cluster;
        const [server] = await c.sql<{ v: string; a: string; log: string }>(
            `SELECT current_setting('server_version') AS v, (SELECT default_version FROM pg_available_extensions WHERE name = 'pgaudit') AS a, current_setting('pgaudit.log') AS log`,
        );
        console.log(`  PostgreSQL ${server.v}, pgaudit ${server.a}; server-wide pgaudit.log = ${server.log}`);
        console.log(`  connecting as avnadmin@127.0.0.1:${c.port}/postgres: not a superuser, GRANT SET ON PARAMETER pgaudit.* (as on Aiven)`);
        await step("creating databases shop and warehouse, roles app, reporting and clerk (as avnadmin), tables orders, stock and cards", () =>
            createLocalExampleObjects(c),
        );
        local = await step(
            "a Pulumi project as a user makes one: examples/local, the newest SDK, this package from its tarball (npm pack)",
            () => localExampleProject(),
            (l) => l.project.dir,
        );
        const l = local;
        await step(`pulumi stack init ${STACK}, file backend in a temp dir; the connection set as secret config (through stdin)`, () =>
            l.workspace.initStack(STACK, { secrets: { connection: c.adminUri() } }),
        );

        deployed = true;
        await pulumi(l, ["up", "--yes"], c.admin.password);

        console.log("▸ opening a new session as each role, running statements, reading the AUDIT lines it wrote:");
        let allOk = await probeSessions(c, await scopesInState(l), server.log);
        allOk = (await probeCards(c)) && allOk;

        console.log("▸ drift by hand, as postgres: ALTER ROLE app SET pgaudit.log = 'none'");
        await c.sql(`ALTER ROLE app SET pgaudit.log = 'none'`);
        await pulumi(l, ["refresh", "--yes", "--diff"], c.admin.password);
        await pulumi(l, ["up", "--yes", "--skip-preview"], c.admin.password);
        const back = await c.sql<{ c: string[] }>(`SELECT setconfig AS c FROM pg_db_role_setting WHERE setdatabase = 0 AND setrole = 'app'::regrole`);
        const restored = JSON.stringify(back[0]?.c) === JSON.stringify(["pgaudit.log=write"]);
        console.log(`  role app: ${JSON.stringify(back[0]?.c)} ${restored ? "(the declaration is back)" : "(NOT RESTORED)"}`);
        allOk &&= restored;
        const quiet = await pulumi(l, ["preview", "--expect-no-changes"], c.admin.password, true);
        allOk &&= quiet.code === 0;

        // As a pipeline step after `pulumi up`: the report, then a gate it must fail (reporting is at none on purpose).
        allOk = (await posture(l, c, ["--require-object", "public.cards(pan):select,update"])) === 0 && allOk;
        allOk = (await posture(l, c, ["--require", "ddl,role"])) === 1 && allOk;
        console.log("  the gate fails, as it should: role reporting is declared at none, so its sessions audit no ddl or role statements");
        const evidence = await writeEvidence((args) => posture(l, c, args));
        allOk &&= evidence.ok;

        console.log(`\n${allOk ? "every session was audited as declared" : "SOME SESSIONS WERE NOT AUDITED AS DECLARED"}`);
        await cleanup();
        console.log(`\n${evidence.where}`);
        return allOk ? 0 : 1;
    } catch (e) {
        console.error(`\ndemo failed: ${e instanceof Error ? e.message : String(e)}`);
        await cleanup().catch((err) => console.error(`cleanup failed: ${err instanceof Error ? err.message : String(err)}`));
        return 1;
    }
}

void main().then((code) => {
    process.exitCode = code;
});
