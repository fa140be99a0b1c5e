/**
 * `npm run bench [-- N]` (or BENCH_N=N): one run, side by side, on a throwaway PostgreSQL 15 +
 * pgaudit, connected as the non-superuser avnadmin over TCP with SCRAM (as on Aiven, minus TLS):
 *
 *   - N role settings (`ALTER ROLE bench_i SET pgaudit.log = 'write'`) applied as N PgAuditSetting
 *     resources through the SDK's dynamic-provider host: Check + Create, 10 in flight;
 *   - the same N deleted through the host;
 *   - the same N statements in one psql session: the baseline every ratio is against;
 *   - the same N statements, one psql process each (the way it is done by hand);
 *   - N previews (Check + Diff) through a fresh host with the database stopped;
 *   - the host's floor: the same operations for a dynamic resource whose provider does nothing.
 *
 * Server connections are counted from the server log (log_connections=on): every connection
 * writes exactly one `connection authorized` line, however short it lives, where sampling
 * pg_stat_activity could miss short ones. With the database stopped, a TCP listener on its port
 * counts connection attempts. Times are wall clock, measured in this run only; CPU times come
 * from /proc (10 ms ticks). The bench stops by itself and removes everything it made.
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import { PgAuditSetting } from "../provider";
import { startCluster, type TestCluster } from "../sandbox/cluster";
import { EngineHarness, registerUnderMocks, type Props, type Registration } from "../test/support/engineHarness";
import { PARALLEL } from "../demo/engine";
import { cleanUpOnInterrupt, connectionsAuthorized, inFlight, nodeAndCores, onPath, postgresInstalled, seconds, step, table } from "../demo/support";
import { DoNothing } from "./floor";

const HOST_APP = "pulumi-aiven-pgaudit";
const SESSION_APP = "bench_psql_session";
const EACH_APP = "bench_psql_each";
const TARGET_APPLY_RATIO = 3;
const TARGET_CONNECTIONS_PER_DATABASE = 2;
const TARGET_PREVIEW_MS = 1;
const PROVIDER_BUDGET_BYTES = 2048;
/** Creates observed one at a time with log_statement=all, to count the statements per operation. */
const SAMPLE = 20;

function parseN(): number {
    const raw = process.argv[2] ?? process.env.BENCH_N ?? "500";
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 1 || n > 100_000) throw new Error(`N must be an integer from 1 to 100000, not ${JSON.stringify(raw)}`);
    return n;
}

const roleName = (i: number) => `bench_${i}`;
const statement = (i: number) => `ALTER ROLE ${roleName(i)} SET pgaudit.log = 'write';`;

interface State {
    readonly registration: Registration;
    readonly id: string;
    readonly inputs: Props;
    readonly outputs: Props;
}

/** CPU time (user + system) a process has used, in ms, from /proc; undefined where there is no /proc. */
function cpuMsOf(pid: number): number | undefined {
    try {
        const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
        const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
        // fields[0] is field 3 (state): utime and stime are fields 14 and 15, in clock ticks (100 Hz).
        return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
    } catch {
        return undefined;
    }
}

interface Measured {
    readonly ms: number;
    /** CPU the provider host process used meanwhile, ms. */
    readonly hostCpuMs?: number;
    /** CPU this process (the engine's part) used meanwhile, ms. */
    readonly engineCpuMs: number;
}

async function measure(host: EngineHarness | undefined, work: () => Promise<unknown>): Promise<Measured> {
    const hostBefore = host ? cpuMsOf(host.pid) : undefined;
    const self = process.cpuUsage();
    const t0 = performance.now();
    await work();
    const ms = performance.now() - t0;
    const used = process.cpuUsage(self);
    const hostAfter = host ? cpuMsOf(host.pid) : undefined;
    return {
        ms,
        hostCpuMs: hostBefore !== undefined && hostAfter !== undefined ? hostAfter - hostBefore : undefined,
        engineCpuMs: (used.user + used.system) / 1000,
    };
}

/** psql over TCP with the password in its environment (never in argv or output). */
function psql(cluster: TestCluster, app: string, args: string[], input?: string): Promise<void> {
    const bin = onPath("psql") ?? "/usr/bin/psql";
    return new Promise((resolve, reject) => {
        const child = spawn(bin, ["-X", "-q", "-v", "ON_ERROR_STOP=1", ...args], {
            env: {
                ...process.env,
                PGHOST: "127.0.0.1",
                PGPORT: String(cluster.port),
                PGUSER: cluster.admin.user,
                PGPASSWORD: cluster.admin.password,
                PGDATABASE: "postgres",
                PGSSLMODE: "disable",
                PGAPPNAME: app,
            },
            stdio: [input === undefined ? "ignore" : "pipe", "ignore", "pipe"],
        });
        let stderr = "";
        child.stderr!.setEncoding("utf8").on("data", (d: string) => (stderr += d));
        if (input !== undefined) {
            child.stdin!.on("error", () => undefined); // a psql that exits early reports through its exit code
            child.stdin!.end(input);
        }
        child.once("error", reject);
        child.once("close", (code) => (code === 0 ? resolve() : reject(new Error(`psql exited with ${code}: ${stderr.trim()}`))));
    });
}

/** Roles bench_1..bench_n whose pgaudit.log is 'write' right now: each phase must really do its work. */
async function rolesAtWrite(cluster: TestCluster): Promise<number> {
    const rows = await cluster.sql<{ n: string }>(
        `SELECT count(*) AS n FROM pg_db_role_setting s JOIN pg_roles r ON r.oid = s.setrole
          WHERE s.setdatabase = 0 AND r.rolname LIKE 'bench\\_%' AND 'pgaudit.log=write' = ANY (s.setconfig)`,
    );
    return Number(rows[0].n);
}

async function resetAll(cluster: TestCluster, n: number): Promise<void> {
    await cluster.sql(Array.from({ length: n }, (_, i) => `ALTER ROLE ${roleName(i + 1)} RESET pgaudit.log;`).join("\n"));
}

async function expectAtWrite(cluster: TestCluster, what: string, expected: number): Promise<void> {
    const actual = await rolesAtWrite(cluster);
    if (actual !== expected) throw new Error(`${what}: ${actual} roles at pgaudit.log=write, expected ${expected}`);
}

/** Statements the provider's sessions sent since `offset` (log_statement=all), first line of each. */
function statementsIn(cluster: TestCluster, offset: number): string[] {
    const text = fs.readFileSync(cluster.logFile).subarray(offset).toString("utf8");
    const out: string[] = [];
    for (const line of text.split("\n")) {
        if (!line.includes(`app=${HOST_APP} `)) continue;
        const m = line.match(/LOG: {2}(?:statement|execute [^:]*): (.*)$/);
        if (m) out.push(m[1].trim() || "(a multi-line statement)");
    }
    return out;
}

/** Check + Create per registration, `PARALLEL` in flight, as `pulumi up` does for new resources. */
function applyAll(host: EngineHarness, registrations: readonly Registration[], first: First): Promise<State[]> {
    return inFlight(PARALLEL, registrations, async (registration) => {
        const checked = await host.check(registration.urn, {}, registration.inputs);
        if (checked.failures.length) throw new Error(`${registration.name}: ${JSON.stringify(checked.failures)}`);
        const created = await host.create(registration.urn, checked.inputs);
        first.done();
        return { registration, id: created.id, inputs: checked.inputs, outputs: created.properties };
    });
}

/** When the first resource of a phase was done: a fresh host loads the provider on its first call. */
class First {
    private readonly t0 = performance.now();
    ms?: number;
    done(): void {
        this.ms ??= performance.now() - this.t0;
    }
}

/** Check + Diff per resource in state, `PARALLEL` in flight, as `pulumi preview` does; returns how many are unchanged. */
async function previewAll(host: EngineHarness, states: readonly State[], first: First): Promise<number> {
    let unchanged = 0;
    await inFlight(PARALLEL, states, async (s) => {
        const checked = await host.check(s.registration.urn, s.inputs, s.registration.inputs);
        if (checked.failures.length) throw new Error(`${s.registration.name}: ${JSON.stringify(checked.failures)}`);
        if ((await host.diff(s.registration.urn, s.id, s.outputs, checked.inputs)).changes === "none") unchanged++;
        first.done();
    });
    return unchanged;
}

const perDb = (counts: Record<string, number>) =>
    Object.entries(counts)
        .map(([db, k]) => `${k} (${db})`)
        .join(", ") || "0";

async function main(): Promise<void> {
    const n = parseN();
    console.log(`pulumi-aiven-pgaudit bench: N = ${n} role settings, ${PARALLEL} operations in flight; ${nodeAndCores()}\n`);
    let cluster: TestCluster | undefined;
    const hosts: EngineHarness[] = [];
    let listener: net.Server | undefined;
    const startHost = async () => {
        const h = await EngineHarness.start();
        hosts.push(h);
        await h.configure();
        return h;
    };
    const cleanup = async () => {
        for (const h of hosts.splice(0)) await h.close();
        if (listener) await new Promise<void>((resolve) => listener!.close(() => resolve()));
        listener = undefined;
        await cluster?.stop();
    };
    cleanUpOnInterrupt(cleanup);

    try {
        const install = postgresInstalled() ? "" : " (installing postgresql-15 and postgresql-15-pgaudit with apt-get first)";
        cluster = await step(`starting a throwaway PostgreSQL 15 with pgaudit, log_connections=on${install}`, () =>
            startCluster({ settings: { log_connections: "on" } }),
        );
        const c = cluster;
        const [server] = await c.sql<{ v: string; a: string; fsync: string }>(
            `SELECT current_setting('server_version') AS v, (SELECT default_version FROM pg_available_extensions WHERE name = 'pgaudit') AS a, current_setting('fsync') AS fsync`,
        );
        await step(`creating roles ${roleName(1)}..${roleName(n)} (as postgres)`, () =>
            c.sql(Array.from({ length: n }, (_, i) => `CREATE ROLE ${roleName(i + 1)} LOGIN;`).join("\n")),
        );
        const connection = c.adminUri();
        const registrations = await step(
            `declaring ${n} PgAuditSetting and ${n} do-nothing resources under Pulumi mocks (not timed)`,
            () =>
                registerUnderMocks(() =>
                    Array.from(
                        { length: n },
                        (_, i) => new PgAuditSetting(`bench-${i + 1}`, { connection, role: roleName(i + 1), settings: { log: ["write"] } }),
                    ),
                ),
            (r) => `${r.length} + ${r.length} registrations`,
        );
        const floorRegistrations = await registerUnderMocks(() =>
            Array.from({ length: n }, (_, i) => new DoNothing(`floor-${i + 1}`, { connection, role: roleName(i + 1), settings: { log: ["write"] } })),
        );
        const providerBytes = Buffer.byteLength(String(registrations[0].inputs.__provider), "utf8");

        // Warm this process's gRPC client up on a throwaway host, so that no measured phase pays for
        // it; every measured host below is fresh, as each `pulumi` command's is.
        await step("warming up this process's gRPC client on a throwaway host (not timed)", async () => {
            const warm = await startHost();
            await inFlight(PARALLEL, floorRegistrations.slice(0, 200), (r) => warm.check(r.urn, {}, r.inputs));
            await warm.close();
        });

        // The host's floor: a provider that does nothing, on its own host.
        const floorHost = await startHost();
        let floorStates: State[] = [];
        const floorFirst = new First();
        const floorApply = await step(
            `floor: Check + Create of ${n} do-nothing resources through the host`,
            () =>
                measure(floorHost, async () => {
                    floorStates = await applyAll(floorHost, floorRegistrations, floorFirst);
                }),
            (m) => seconds(m.ms),
        );
        const floorPreview = await step(
            `floor: Check + Diff of the same`,
            () => measure(floorHost, () => previewAll(floorHost, floorStates, new First())),
            (m) => seconds(m.ms),
        );

        // PgAuditSetting: apply, then delete, through one host.
        const host = await startHost();
        let offset = c.logOffset();
        let states: State[] = [];
        const applyFirst = new First();
        const apply = await step(
            `applying ${n} PgAuditSetting through the provider host (Check + Create, ${PARALLEL} in flight)`,
            () =>
                measure(host, async () => {
                    states = await applyAll(host, registrations, applyFirst);
                }),
            (m) => seconds(m.ms),
        );
        const applyConnections = connectionsAuthorized(c.logFile, offset, HOST_APP);
        await expectAtWrite(c, "after the host's apply", n);

        offset = c.logOffset();
        const destroy = await step(
            `deleting them through the provider host (Delete, ${PARALLEL} in flight)`,
            () => measure(host, () => inFlight(PARALLEL, states, (s) => host.delete(s.registration.urn, s.id, s.outputs, s.inputs))),
            (m) => seconds(m.ms),
        );
        const destroyConnections = connectionsAuthorized(c.logFile, offset, HOST_APP);
        await expectAtWrite(c, "after the host's delete", 0);

        // The baseline: one psql session.
        offset = c.logOffset();
        const script = Array.from({ length: n }, (_, i) => statement(i + 1)).join("\n") + "\n";
        const session = await step(
            `the same ${n} statements in one psql session`,
            () => measure(undefined, () => psql(c, SESSION_APP, ["-f", "-"], script)),
            (m) => seconds(m.ms),
        );
        const sessionConnections = connectionsAuthorized(c.logFile, offset, SESSION_APP);
        await expectAtWrite(c, "after one psql session", n);
        await resetAll(c, n);

        // By hand: one psql process per statement.
        offset = c.logOffset();
        const each = await step(
            `the same ${n} statements, one psql process each`,
            () =>
                measure(undefined, async () => {
                    for (let i = 1; i <= n; i++) await psql(c, EACH_APP, ["-c", statement(i)]);
                }),
            (m) => seconds(m.ms),
        );
        const eachConnections = connectionsAuthorized(c.logFile, offset, EACH_APP);
        await expectAtWrite(c, "after one psql process per statement", n);
        await resetAll(c, n);

        // What one create sends to the server, seen with log_statement=all (not timed).
        const sampleSize = Math.min(SAMPLE, n);
        await c.sql(`ALTER SYSTEM SET log_statement = 'all'`);
        await c.sql(`SELECT pg_reload_conf()`);
        await new Promise((r) => setTimeout(r, 300));
        let lastCreate: string[] = [];
        const sampleOffset = c.logOffset();
        for (const registration of registrations.slice(0, sampleSize)) {
            const before = c.logOffset();
            const checked = await host.check(registration.urn, {}, registration.inputs);
            await host.create(registration.urn, checked.inputs);
            lastCreate = statementsIn(c, before);
        }
        const perCreate = statementsIn(c, sampleOffset).length / sampleSize;
        await c.sql(`ALTER SYSTEM RESET log_statement`);
        await c.sql(`SELECT pg_reload_conf()`);
        await resetAll(c, n);

        // Preview with the database stopped, on a fresh host (a later `pulumi preview` is a new process).
        await step("stopping the database; a TCP listener on its port counts connection attempts", () => c.stop());
        let attempts = 0;
        listener = net.createServer((socket) => {
            attempts++;
            socket.destroy();
        });
        await new Promise<void>((resolve, reject) => {
            listener!.once("error", reject);
            listener!.listen(c.port, "127.0.0.1", () => resolve());
        });
        const previewHost = await startHost();
        let unchanged = 0;
        const previewFirst = new First();
        const preview = await step(
            `previewing ${n} PgAuditSetting through a fresh provider host (Check + Diff, ${PARALLEL} in flight)`,
            () =>
                measure(previewHost, async () => {
                    unchanged = await previewAll(previewHost, states, previewFirst);
                }),
            (m) => seconds(m.ms),
        );
        if (unchanged !== n) throw new Error(`preview: ${unchanged} of ${n} resources unchanged, expected all`);

        // Report
        const ratio = (m: Measured) => `${(m.ms / session.ms).toFixed(1)}×`;
        const ms = (v: number | undefined) => (v === undefined ? "-" : `${Math.round(v)} ms`);
        const per = (total: number | undefined) => (total === undefined ? "-" : `${(total / n).toFixed(2)} ms`);
        console.log(
            `\nPostgreSQL ${server.v}, pgaudit ${server.a}, fsync=${server.fsync}, 127.0.0.1 over TCP + SCRAM; host start-up ${Math.round(host.startupMs)} ms, not counted.`,
        );
        console.log("Per resource: wall time; CPU of the provider host process and of this process (the engine's side), both on 2 shared cores.\n");
        /** psql runs in child processes, whose CPU neither column sees. */
        const row = (label: string, m: Measured, connections: string, psqlRow = false): string[] => [
            label,
            seconds(m.ms),
            per(m.ms),
            ratio(m),
            per(m.hostCpuMs),
            psqlRow ? "-" : per(m.engineCpuMs),
            connections,
        ];
        console.log(
            table(
                ["", "time", "per resource", "vs psql session", "host CPU", "engine CPU", "server connections"],
                [
                    row("psql, one session (baseline)", session, perDb(sessionConnections), true),
                    row(`host: apply (Check + Create)`, apply, perDb(applyConnections)),
                    row(`host: delete`, destroy, perDb(destroyConnections)),
                    row("psql, one process per statement", each, perDb(eachConnections), true),
                    row(`host: preview (Check + Diff), database stopped`, preview, `${attempts} attempts`),
                    row(`floor: do-nothing provider, Check + Create`, floorApply, "-"),
                    row(`floor: do-nothing provider, Check + Diff`, floorPreview, "-"),
                ],
            ),
        );
        console.log(`\n__provider: ${providerBytes} bytes, stored in the inputs and the outputs of every resource's state`);
        console.log(`statements per create (log_statement=all, ${sampleSize} creates one at a time): ${perCreate.toFixed(2)}; the last create sent:`);
        for (const s of lastCreate) console.log(`    ${s.length > 100 ? s.slice(0, 97) + "..." : s}`);

        const maxPerDb = Math.max(0, ...Object.values(applyConnections), ...Object.values(destroyConnections));
        const targets: [string, string, boolean][] = [
            [`apply within ${TARGET_APPLY_RATIO}× of the psql session`, ratio(apply), apply.ms <= TARGET_APPLY_RATIO * session.ms],
            [`at most ${TARGET_CONNECTIONS_PER_DATABASE} server connections per database`, `${maxPerDb}`, maxPerDb <= TARGET_CONNECTIONS_PER_DATABASE],
            [`preview under ${TARGET_PREVIEW_MS} ms per resource`, per(preview.ms), preview.ms / n < TARGET_PREVIEW_MS],
            ["preview opens no connection", `${attempts} attempts`, attempts === 0],
            [`__provider at most ${PROVIDER_BUDGET_BYTES} bytes`, `${providerBytes} bytes`, providerBytes <= PROVIDER_BUDGET_BYTES],
        ];
        console.log("\ntargets:");
        console.log(
            table(
                ["target", "measured", ""],
                targets.map(([t, m, ok]) => [t, m, ok ? "met" : "MISSED"]),
            ),
        );
        console.log(
            [
                "",
                `where the time goes: the do-nothing provider costs ${per(floorApply.ms)} per Check + Create and ${per(floorPreview.ms)} per Check + Diff`,
                `through the same host (${(floorApply.ms / session.ms).toFixed(1)}× and ${(floorPreview.ms / session.ms).toFixed(1)}× the psql session): two gRPC calls with protobuf Structs per resource.`,
                `PgAuditSetting adds ${per(apply.ms - floorApply.ms)} per apply (zod parsing, and ${perCreate.toFixed(0)} statements, one round trip each, on one of`,
                `${TARGET_CONNECTIONS_PER_DATABASE} pooled connections) and ${per(preview.ms - floorPreview.ms)} per preview (no database), both counting the one-time load of`,
                `the package into a fresh host: the first resource was done after ${ms(applyFirst.ms)} (apply) and ${ms(previewFirst.ms)} (preview),`,
                `${ms(floorFirst.ms)} for the do-nothing provider.`,
            ].join("\n"),
        );
    } finally {
        await cleanup();
    }
}

main().then(
    () => undefined,
    (e) => {
        console.error(`\nbench failed: ${e instanceof Error ? e.message : String(e)}`);
        process.exitCode = 1;
    },
);
