/**
 * `npm run bench [-- --n 50,200,800] [--scopes-n 10000] [--repeat 3] [--modes default,skip-checkpoints]`: through the real
 * `pulumi` CLI, side by side, on a throwaway PostgreSQL with pgaudit as the non-superuser
 * avnadmin. For each N, each command (`up`, `preview`, `refresh`, an `up` that changes every
 * setting, `destroy`) is timed on:
 *
 *   - N do-nothing dynamic resources: the engine's own floor for N resources;
 *   - N PgAuditSetting, one role each;
 *   - one PgAuditScopes holding the same N scopes;
 *   - one do-nothing resource: the engine's fixed cost, PgAuditScopes' target;
 *   - the same statements in one psql session: the limit.
 *
 * `--scopes-n` sizes (default 10000) are run for PgAuditScopes only, against one do-nothing
 * resource and psql (the per-resource shape stays at 800 and below: there it already takes
 * minutes a command), with `preview --diff` and `pgaudit-review` on one changed scope.
 *
 * Run as users run it (the file backend rewrites the whole checkpoint after every step, so state
 * bytes per resource cost quadratically), and with PULUMI_SKIP_CHECKPOINTS=true, which takes the
 * rewrites out and leaves the package's own cost in plain sight. Server connections are counted
 * from the server log (log_connections=on: one `connection authorized` line per connection).
 * Every step is checked against the catalog. Times are wall clock, this run only.
 *
 * The `--scopes-n` and `--groups-n` stacks run `--repeat` times (default 3), in turn with their
 * do-nothing resource and psql, and report each command's median: one run on a shared machine moves
 * by half a second, more than the margins these ratios are read against.
 *
 * `--groups-n` sizes (default 1000) run one PgAuditScopes whose one group scope has N login members
 * (resolved in the apply's transaction), with 10 members joining (refresh, up) and leaving (up).
 *
 * `npm run bench -- --aiven`: PgAuditLogging's preview cost instead (aivenPreviewCost below),
 * through the real Aiven provider plugin against the stand-in of Aiven's API (sandbox/aivenApi.ts).
 *
 * `npm run bench -- --report [--roles 1000] [--databases 20]`: the evidence report's size and
 * render time instead, Chromium included (bench/report.ts).
 */
import { execFile } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { startCluster, type TestCluster } from "../sandbox/cluster";
import { PulumiWorkspace, pulumiBinDir } from "../sandbox/pulumiCli";
import { createUserProject, REPO_ROOT, type UserProject } from "../sandbox/userProject";
import { cleanUpOnInterrupt, connectionsAuthorized, nodeAndCores, seconds, table } from "../demo/support";
import { startAivenApi, type AivenApiStandIn, type AivenRequest } from "../sandbox/aivenApi";
import { aivenExampleProject, withoutScopes, type AivenExampleProject } from "../sandbox/aivenExample";
import { reportBench } from "./report";

const execFileAsync = promisify(execFile);
const PROVIDER_APP = "pulumi-aiven-pgaudit";
const COMMANDS = ["up", "preview", "refresh", "change-all", "destroy"] as const;
type Command = (typeof COMMANDS)[number];
const KINDS = ["floor", "setting", "scopes"] as const;
type Kind = (typeof KINDS)[number];
const MODES = { default: {}, "skip-checkpoints": { PULUMI_SKIP_CHECKPOINTS: "true" } } as const;
type Mode = keyof typeof MODES;

function parseArgs(): { ns: number[]; scopesNs: number[]; groupsNs: number[]; modes: Mode[]; repeat: number } {
    const value = (flag: string) => {
        const i = process.argv.indexOf(flag);
        return i >= 0 ? process.argv[i + 1] : undefined;
    };
    const list = (flag: string, fallback: string, max: number) => {
        const text = value(flag) ?? fallback;
        const ns = text === "" ? [] : text.split(",").map(Number);
        if (ns.some((n) => !Number.isInteger(n) || n < 1 || n > max)) throw new Error(`${flag}: whole numbers from 1 to ${max}, comma-separated`);
        return ns;
    };
    const ns = list("--n", process.env.BENCH_N ?? "50,200,800", 800);
    const scopesNs = list("--scopes-n", process.env.BENCH_SCOPES_N ?? "10000", 20000);
    const groupsNs = list("--groups-n", process.env.BENCH_GROUPS_N ?? "1000", 20000);
    const modes = (value("--modes") ?? "default,skip-checkpoints").split(",") as Mode[];
    for (const m of modes) if (!(m in MODES)) throw new Error(`--modes: ${Object.keys(MODES).join(", ")}, not ${m}`);
    const [repeat] = list("--repeat", process.env.BENCH_REPEAT ?? "3", 9);
    return { ns, scopesNs, groupsNs, modes, repeat };
}

interface Measured {
    readonly ms: Record<Command, number>;
    /** Connections the provider opened, per command. */
    readonly connections: Record<Command, number>;
    /** Bytes of `pulumi stack export` after the first up, less those of the empty stack. */
    readonly stateBytes: number;
    /** PgAuditScopes only: `preview --diff` and pgaudit-review with one scope changed. */
    readonly review?: { diffLines: number; diffMs: number; reviewLines: number; reviewMs: number; text: string };
    /** Group scope only: 10 members joining (refresh, then up) and leaving (up --refresh). */
    readonly membership?: { refresh: number; join: number; leave: number };
}

const role = (i: number) => `bench_${i}`;

const median = (values: readonly number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/** Several runs of one stack as one: each command's median time, the most connections any run opened. */
function medianRun(runs: readonly Measured[]): Measured {
    const ms = {} as Record<Command, number>;
    const connections = {} as Record<Command, number>;
    for (const c of COMMANDS) {
        ms[c] = median(runs.map((r) => r.ms[c]));
        connections[c] = Math.max(...runs.map((r) => r.connections[c]));
    }
    return { ...runs[0], ms, connections };
}

/** The psql limit and the stacks `kinds`, run `repeat` times in turn (so a slow moment hits each alike), as medians. */
async function measureRepeated(
    ws: PulumiWorkspace,
    cluster: TestCluster,
    n: number,
    mode: Mode,
    repeat: number,
    kinds: readonly ("floor" | "scopes" | "group")[],
): Promise<{ psql: Partial<Record<Command, number>>; runs: Measured[] }> {
    const psqlRuns: Partial<Record<Command, number>>[] = [];
    const byKind: Measured[][] = kinds.map(() => []);
    for (let i = 0; i < repeat; i++) {
        if (kinds.includes("scopes")) psqlRuns.push(await psqlLimit(cluster, n));
        for (const [k, kind] of kinds.entries()) byKind[k].push(await measureStack(ws, cluster, kind, kind === "floor" ? 1 : n, mode));
    }
    const psql: Partial<Record<Command, number>> = {};
    for (const c of ["up", "change-all", "destroy"] as const) if (psqlRuns.length > 0) psql[c] = median(psqlRuns.map((r) => r[c]!));
    return { psql, runs: byKind.map(medianRun) };
}

/** How many bench roles hold exactly `pgaudit.log=<log>` (or, with undefined, any pgaudit entry). */
async function rolesHolding(cluster: TestCluster, log: string | undefined): Promise<number> {
    const rows = await cluster.sql<{ n: string }>(
        `SELECT count(*) AS n FROM pg_db_role_setting s JOIN pg_roles r ON r.oid = s.setrole
          WHERE s.setdatabase = 0 AND r.rolname LIKE 'bench\\_%' AND ${log === undefined ? `EXISTS (SELECT 1 FROM unnest(s.setconfig) c WHERE c LIKE 'pgaudit.%')` : `s.setconfig = ARRAY[$1]`}`,
        log === undefined ? [] : [`pgaudit.log=${log}`],
    );
    return Number(rows[0].n);
}

/** Makes bench_0 … bench_{n-1} exactly the members of bench_group. */
async function groupOf(cluster: TestCluster, n: number): Promise<void> {
    await cluster.sql(`DROP ROLE IF EXISTS bench_group; CREATE ROLE bench_group NOLOGIN`);
    if (n > 0) await cluster.sql(`GRANT bench_group TO ${Array.from({ length: n }, (_, i) => role(i)).join(", ")}`);
}

async function measureStack(ws: PulumiWorkspace, cluster: TestCluster, kind: Kind | "group", n: number, mode: Mode): Promise<Measured> {
    const stack = `${kind}-${n}-${mode}`;
    const env = MODES[mode];
    await ws.initStack(stack, { plain: { kind, count: String(n), log: "write" }, secrets: { connection: cluster.adminUri() } });
    const empty = (await ws.exportStack(stack)).text.length;
    const ms = {} as Record<Command, number>;
    const connections = {} as Record<Command, number>;
    const real = kind !== "floor";
    const expect = async (what: string, log: string | undefined, count: number) => {
        const found = await rolesHolding(cluster, log);
        if (real && found !== count) throw new Error(`${stack} ${what}: ${found} bench roles hold ${log ?? "pgaudit settings"}, expected ${count}`);
    };
    const timed = async (command: Command, args: string[]) => {
        const offset = cluster.logOffset();
        ms[command] = (await ws.run([...args, "--stack", stack], { env })).ms;
        connections[command] = Object.values(connectionsAuthorized(cluster.logFile, offset, PROVIDER_APP)).reduce((a, b) => a + b, 0);
    };
    await timed("up", ["up", "--yes", "--skip-preview"]);
    await expect("up", "write", n);
    const stateBytes = (await ws.exportStack(stack)).text.length - empty;
    await timed("preview", ["preview", "--expect-no-changes"]);
    let review: Measured["review"];
    if (kind === "scopes") {
        // One scope changed among n: what the CLI's diff prints, and what pgaudit-review prints of the same preview.
        await ws.run(["config", "set", "--stack", stack, "changed", "0"]);
        const diff = await ws.run(["preview", "--diff", "--stack", stack], { env });
        const json = await ws.run(["preview", "--json", "--stack", stack], { env });
        const file = path.join(ws.projectDir, "preview.json");
        fs.writeFileSync(file, json.stdout);
        const t0 = performance.now();
        const { stdout } = await execFileAsync(path.join(ws.projectDir, "node_modules", ".bin", "pgaudit-review"), ["--file", file]);
        review = {
            diffLines: diff.stdout.split("\n").length,
            diffMs: diff.ms,
            reviewLines: stdout.trimEnd().split("\n").length,
            reviewMs: performance.now() - t0,
            text: stdout,
        };
        await ws.run(["config", "rm", "--stack", stack, "changed"]);
    }
    await timed("refresh", ["refresh", "--yes", "--skip-preview"]);
    let membership: Measured["membership"];
    if (kind === "group") {
        // Ten roles join by hand: refresh finds them, up writes them; then they leave and up resets them.
        await cluster.sql(`GRANT bench_group TO ${Array.from({ length: 10 }, (_, i) => role(n + i)).join(", ")}`);
        const refresh = (await ws.run(["refresh", "--yes", "--skip-preview", "--stack", stack], { env })).ms;
        const join = (await ws.run(["up", "--yes", "--skip-preview", "--stack", stack], { env })).ms;
        await expect("join", "write", n + 10);
        await groupOf(cluster, n);
        const leave = (await ws.run(["up", "--yes", "--skip-preview", "--refresh", "--stack", stack], { env })).ms;
        await expect("leave", "write", n);
        membership = { refresh, join, leave };
    }
    await ws.run(["config", "set", "--stack", stack, "log", "ddl"]);
    await timed("change-all", ["up", "--yes", "--skip-preview"]);
    await expect("change-all", "ddl", n);
    await timed("destroy", ["destroy", "--yes", "--skip-preview"]);
    await expect("destroy", undefined, 0);
    await ws.run(["stack", "rm", stack, "--yes", "--force"]);
    return { ms, connections, stateBytes, review, membership };
}

/** The same statements in one psql session: apply, change all, reset. */
async function psqlLimit(cluster: TestCluster, n: number): Promise<Partial<Record<Command, number>>> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pgaudit-bench-psql-"));
    const run = async (sql: (i: number) => string) => {
        const file = path.join(dir, "statements.sql");
        fs.writeFileSync(file, Array.from({ length: n }, (_, i) => sql(i)).join("\n") + "\n");
        const t0 = performance.now();
        await execFileAsync(
            "psql",
            ["-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", cluster.host, "-p", String(cluster.port), "-U", cluster.admin.user, "-d", "postgres", "-f", file],
            {
                env: { ...process.env, PGPASSWORD: cluster.admin.password, PGAPPNAME: "bench_psql" },
            },
        );
        return performance.now() - t0;
    };
    try {
        const up = await run((i) => `ALTER ROLE ${role(i)} SET pgaudit.log = 'write';`);
        const change = await run((i) => `ALTER ROLE ${role(i)} SET pgaudit.log = 'ddl';`);
        const destroy = await run((i) => `ALTER ROLE ${role(i)} RESET pgaudit.log;`);
        if ((await rolesHolding(cluster, undefined)) !== 0) throw new Error("psql: settings left after the reset");
        return { up, "change-all": change, destroy };
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}×`;

function report(n: number, mode: Mode, psql: Partial<Record<Command, number>>, one: Measured, m: Record<Kind, Measured>): void {
    console.log(`\nN = ${n}, ${mode === "default" ? "checkpoints as users run them" : "PULUMI_SKIP_CHECKPOINTS=true"}`);
    console.log(
        table(
            [
                "command",
                "psql session",
                "1 do-nothing",
                `${n} do-nothing`,
                `${n} PgAuditSetting`,
                "vs floor",
                `PgAuditScopes (${n})`,
                "vs 1 do-nothing",
                "connections S / Sc",
            ],
            COMMANDS.map((c) => [
                c,
                psql[c] === undefined ? "" : seconds(psql[c]),
                seconds(one.ms[c]),
                seconds(m.floor.ms[c]),
                seconds(m.setting.ms[c]),
                ratio(m.setting.ms[c], m.floor.ms[c]),
                seconds(m.scopes.ms[c]),
                ratio(m.scopes.ms[c], one.ms[c]),
                `${m.setting.connections[c]} / ${m.scopes.connections[c]}`,
            ]),
        ),
    );
    const perResource = (c: Command) => ((m.setting.ms[c] - m.floor.ms[c]) / n).toFixed(1);
    console.log(`  package's own cost per PgAuditSetting (vs the floor): ${COMMANDS.map((c) => `${c} ${perResource(c)} ms`).join(", ")}`);
    console.log(
        `  state per resource: PgAuditSetting ${Math.round(m.setting.stateBytes / n)} B, do-nothing ${Math.round(m.floor.stateBytes / n)} B; ` +
            `PgAuditScopes ${Math.round(m.scopes.stateBytes / n)} B per scope (${m.scopes.stateBytes} B in all)`,
    );
}

/** The target: an unchanged examples/aiven stack previews within this much of the same stack without its per-scope part. */
const PREVIEW_BUDGET_MS = 1500;
const PREVIEWS = 3;

/** The calls of one run, as "GET /service/{s}" kinds with counts. */
function callKinds(requests: readonly AivenRequest[]): string {
    const counts = new Map<string, number>();
    for (const r of requests) {
        const kind = `${r.method} ${r.path.replace(/^\/v1\/project\/[^/]+/, "").replace(/\/(service|integration|user|db)\/[^/]+/g, "/$1/{…}") || "/v1/project"}`;
        counts.set(kind, (counts.get(kind) ?? 0) + 1);
    }
    return [...counts].map(([k, n]) => `${k} ×${n}`).join(", ") || "none";
}

/** Median of PREVIEWS runs of `pulumi preview` (--expect-no-changes unless told), and the calls of the last. */
async function timedPreviews(ex: AivenExampleProject, api: AivenApiStandIn, stack: string, expectNoChanges = true): Promise<{ ms: number; calls: string }> {
    const ms: number[] = [];
    for (let i = 0; i < PREVIEWS; i++) {
        api.clearRequests();
        ms.push((await ex.run(stack, ["preview", ...(expectNoChanges ? ["--expect-no-changes"] : [])])).ms);
    }
    ms.sort((a, b) => a - b);
    return { ms: ms[Math.floor(ms.length / 2)], calls: callKinds(api.requests) };
}

/**
 * PgAuditLogging's preview cost: `pulumi preview` of an unchanged examples/aiven stack, against
 * the same stack without the per-scope part (service + integration only), and that stack with an
 * aiven.getProjectOutput as 0.1.0 of the component made at every preview. Real CLI, real Aiven
 * plugin, stand-in of Aiven's API, real PostgreSQL. Fails when over PREVIEW_BUDGET_MS.
 */
async function aivenPreviewCost(): Promise<number> {
    console.log(`pulumi-aiven-pgaudit bench --aiven: PgAuditLogging's preview cost; ${nodeAndCores()}; pulumi from ${pulumiBinDir()}`);
    console.log(`  against a STAND-IN of Aiven's API (sandbox/aivenApi.ts) backed by a real PostgreSQL, with the real Aiven provider plugin`);
    let cluster: TestCluster | undefined;
    let api: AivenApiStandIn | undefined;
    let ex: AivenExampleProject | undefined;
    let deployed = false;
    const stack = "bench-aiven";
    const cleanup = async () => {
        if (ex && deployed) await ex.run(stack, ["destroy", "--yes", "--skip-preview"], true);
        ex?.remove();
        await api?.stop();
        await cluster?.stop();
    };
    cleanUpOnInterrupt(cleanup);
    try {
        cluster = await startCluster();
        api = await startAivenApi(cluster);
        ex = await aivenExampleProject(api, "pgaudit-bench-aiven");
        ex.useExample("aiven");
        await ex.workspace.initStack(stack, {
            plain: { project: api.project, servicePrefix: "bench", pgVersion: String(cluster.major) },
            secrets: { "aiven:apiToken": "stand-in-token" },
        });
        deployed = true;
        const up = await ex.run(stack, ["up", "--yes", "--skip-preview"]);
        console.log(`  up of examples/aiven: ${seconds(up.ms)} (the provider's own sleeps: services, integration, PgUsers)`);
        const full = await timedPreviews(ex, api, stack);
        const apiPreview = full.calls;
        ex.useExample("aiven", withoutScopes);
        await ex.run(stack, ["up", "--yes", "--skip-preview"]);
        const bare = await timedPreviews(ex, api, stack);
        // What 0.1.0 of the component did at every preview: the project CA through aiven.getProject.
        ex.useExample("aiven", (p) => `${withoutScopes(p)}\nexport const projectCa = aiven.getProjectOutput({ project }).caCert.apply((c) => c.length);\n`);
        const old = await timedPreviews(ex, api, stack, false);
        console.log(
            table(
                ["stack (unchanged)", `preview, median of ${PREVIEWS}`, "Aiven API calls of one preview"],
                [
                    ["examples/aiven (service, integration, 4 scopes)", seconds(full.ms), apiPreview],
                    ["the same without the per-scope part", seconds(bare.ms), bare.calls],
                    ["without the per-scope part + aiven.getProjectOutput (0.1.0's cost)", seconds(old.ms), old.calls],
                ],
            ),
        );
        const extra = full.ms - bare.ms;
        const ok = extra <= PREVIEW_BUDGET_MS;
        console.log(`  the per-scope part adds ${seconds(extra)} to a preview (budget ${seconds(PREVIEW_BUDGET_MS)}): ${ok ? "within" : "OVER"}`);
        await cleanup();
        return ok ? 0 : 1;
    } catch (e) {
        console.error(`\nbench --aiven failed: ${e instanceof Error ? e.message : String(e)}`);
        await cleanup().catch(() => undefined);
        return 1;
    }
}

/** PgAuditScopes at `n` scopes against one do-nothing resource and psql. */
function reportScopes(n: number, mode: Mode, repeat: number, psql: Partial<Record<Command, number>>, one: Measured, m: Measured): void {
    console.log(
        `\nN = ${n} scopes, PgAuditScopes only, ${mode === "default" ? "checkpoints as users run them" : "PULUMI_SKIP_CHECKPOINTS=true"}; median of ${repeat} runs`,
    );
    console.log(
        table(
            ["command", "psql session", "1 do-nothing", `PgAuditScopes (${n})`, "vs 1 do-nothing", "limit: 1 do-nothing + psql + 1 s", "connections"],
            COMMANDS.map((c) => [
                c,
                psql[c] === undefined ? "" : seconds(psql[c]),
                seconds(one.ms[c]),
                seconds(m.ms[c]),
                ratio(m.ms[c], one.ms[c]),
                psql[c] === undefined ? "" : seconds(one.ms[c] + psql[c] + 1000),
                String(m.connections[c]),
            ]),
        ),
    );
    console.log(`  state: ${Math.round(m.stateBytes / n)} B per scope (${m.stateBytes} B in all)`);
    const r = m.review!;
    console.log(
        `  one scope changed: preview --diff ${seconds(r.diffMs)}, ${r.diffLines} lines; pgaudit-review ${seconds(r.reviewMs)}, ${r.reviewLines} lines:`,
    );
    console.log(r.text.replace(/^/gm, "    ").trimEnd());
}

function reportGroup(n: number, mode: Mode, repeat: number, one: Measured, m: Measured): void {
    console.log(
        `\nN = ${n} members of one group scope, PgAuditScopes, ${mode === "default" ? "checkpoints as users run them" : "PULUMI_SKIP_CHECKPOINTS=true"}; median of ${repeat} runs`,
    );
    console.log(
        table(
            ["command", "1 do-nothing", `group of ${n}`, "vs 1 do-nothing", "connections"],
            COMMANDS.map((c) => [c, seconds(one.ms[c]), seconds(m.ms[c]), ratio(m.ms[c], one.ms[c]), String(m.connections[c])]),
        ),
    );
    const j = m.membership!;
    console.log(
        `  state: ${Math.round(m.stateBytes / n)} B per member; 10 join: refresh ${seconds(j.refresh)}, up ${seconds(j.join)}; they leave: up --refresh ${seconds(j.leave)}`,
    );
}

async function main(): Promise<number> {
    if (process.argv.includes("--aiven")) return aivenPreviewCost();
    if (process.argv.includes("--report")) return reportBench();
    const { ns, scopesNs, groupsNs, modes, repeat } = parseArgs();
    console.log(
        `pulumi-aiven-pgaudit bench: N = ${ns.join(", ")}; PgAuditScopes alone at ${scopesNs.join(", ") || "none"}; ${nodeAndCores()}; pulumi from ${pulumiBinDir()}`,
    );
    let cluster: TestCluster | undefined;
    let project: UserProject | undefined;
    let ws: PulumiWorkspace | undefined;
    const cleanup = async () => {
        ws?.remove();
        project?.remove();
        await cluster?.stop();
    };
    cleanUpOnInterrupt(cleanup);
    try {
        cluster = await startCluster({ settings: { log_connections: "on" } });
        const max = Math.max(...ns, ...scopesNs, ...groupsNs.map((n) => n + 10));
        await cluster.sql(Array.from({ length: max }, (_, i) => `CREATE ROLE ${role(i)} LOGIN;`).join("\n"));
        project = await createUserProject({ name: "pgaudit-bench", program: fs.readFileSync(path.join(REPO_ROOT, "bench", "userProgram.ts"), "utf8") });
        ws = new PulumiWorkspace(project.dir);
        const [{ stdout: version }] = await Promise.all([ws.run(["version"])]);
        console.log(`pulumi ${version.trim()}, @pulumi/pulumi ${project.installedVersion("@pulumi/pulumi")}, PostgreSQL on 127.0.0.1:${cluster.port}`);
        // Not measured: the first program run of a project pays for compiling it once.
        await ws.initStack("warm-up", { plain: { kind: "floor", count: "1", log: "write" } });
        await ws.run(["preview", "--stack", "warm-up"]);
        await ws.run(["stack", "rm", "warm-up", "--yes", "--force"]);
        const growth: Record<string, Record<Command, number>> = {};
        for (const mode of modes) {
            for (const n of ns) {
                const psql = await psqlLimit(cluster, n);
                const one = await measureStack(ws, cluster, "floor", 1, mode);
                const m = {} as Record<Kind, Measured>;
                for (const kind of KINDS) m[kind] = await measureStack(ws, cluster, kind, n, mode);
                report(n, mode, psql, one, m);
                growth[`${mode}/${n}`] = m.setting.ms;
            }
            for (const n of scopesNs) {
                const { psql, runs } = await measureRepeated(ws, cluster, n, mode, repeat, ["floor", "scopes"]);
                reportScopes(n, mode, repeat, psql, runs[0], runs[1]);
            }
            for (const n of groupsNs) {
                await groupOf(cluster, n);
                const { runs } = await measureRepeated(ws, cluster, n, mode, repeat, ["floor", "group"]);
                reportGroup(n, mode, repeat, runs[0], runs[1]);
            }
            const [small, large] = [ns.find((n) => n === 200), ns.find((n) => n === 800)];
            if (small && large) {
                const g = (c: Command) => ratio(growth[`${mode}/${large}`][c], growth[`${mode}/${small}`][c]);
                console.log(`  growth 200 → 800 PgAuditSetting (${mode}): ${COMMANDS.map((c) => `${c} ${g(c)}`).join(", ")} (4× is linear)`);
            }
        }
        console.log("\nevery step was checked against the catalog");
        await cleanup();
        return 0;
    } catch (e) {
        console.error(`\nbench failed: ${e instanceof Error ? e.message : String(e)}`);
        await cleanup().catch(() => undefined);
        return 1;
    }
}

void main().then(
    (code) => {
        process.exitCode = code;
    },
    // Bad arguments: the message names the flag and its bounds, no stack.
    (e: unknown) => {
        console.error(`bench: ${e instanceof Error ? e.message : String(e)}`);
        process.exitCode = 2;
    },
);
