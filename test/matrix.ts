/**
 * `npm test` ends here: the test files on each PostgreSQL major Aiven runs, one `node --test` run
 * a major with PGAUDIT_TEST_PG set (startCluster() reads it). Every file runs on 15 (the host's
 * packages); the server-facing groups again on 17 (Aiven's default for new services, and what 16
 * does too) and the lifecycle, oracle, permission and posture groups on 18, from Debian roots made
 * once; in two lanes side by side (lanesOf). `node dist/test/matrix.js --pg 17` runs only 17's
 * row; `--pg` may be repeated.
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { ensurePostgres } from "../sandbox/postgresInstall";

interface Row {
    readonly major: number;
    /** paths under dist/test; undefined = every *.test.js */
    readonly files?: readonly string[];
}

/** Files whose tests reach a server: lifecycle, oracle, permissions, posture, 16+ rights (run on 17 and 18). */
const CORE = [
    "sandbox/cluster.test.js",
    "provider/setting/provider.lifecycle.test.js",
    "provider/setting/host.lifecycle.test.js",
    "model/pgauditLog.semantics.test.js",
    "provider/setting/provider.permissions.test.js",
    "provider/setting/adminOption.test.js",
    "posture/cluster.test.js",
    "posture/evasion.test.js",
    "cli/evasion.test.js",
    "posture/hostileSearchPath.test.js",
    "posture/failClosed.test.js",
    "provider/connection.hardening.test.js",
    "cli/hostileSearchPath.test.js",
    // Who holds a scope through renames, moves, shape switches, two stacks, a server change (issue 19).
    "cli/ownership.test.js",
    // Group scopes (issue 23): membership resolved in the apply, the --require-group gate, one real-CLI stack (about 1.5 minutes a major).
    "provider/scopes/groups.test.js",
    "posture/groups.test.js",
    "cli/groups.test.js",
];

const MATRIX: readonly Row[] = [
    { major: 15 },
    {
        major: 17,
        files: [
            ...CORE,
            "provider/connection.tls.test.js",
            "provider/setting/hostileNames.test.js",
            "provider/setting/inputValidation.test.js",
            "provider/exclusive/cluster.test.js",
            "provider/exclusive/engine.test.js",
            "provider/setting/host.preview.test.js",
            "posture/scale.test.js",
            "provider/scopes/host.test.js",
            "provider/scopes/switch.test.js",
            "provider/objectAudit/cluster.test.js",
            "posture/objectAudit.test.js",
            "posture/baseline.test.js",
            // The evidence formats and the HTML report in Chromium (issue 24): about 15 s together.
            "posture/report.test.js",
            "posture/reportBrowser.test.js",
        ],
    },
    { major: 18, files: CORE },
];

/** One `node --test` process: a row, or the part of one that runs in the other lane. */
interface Part {
    readonly major: number;
    readonly files: readonly string[];
}

interface Outcome extends Part {
    readonly tests: { readonly total: number; readonly pass: number; readonly fail: number } | undefined;
    readonly code: number | null;
    readonly seconds: number;
}

/**
 * The test run is two lanes side by side, each one part after another: on 2 cores one lane left
 * the CPU idle more than half the time (22.9 min user + 6.1 sys in a 33.2 min run), much of it in
 * the Aiven plugin's fixed sleeps (FACTS.md: about 30 s a service, 55 s an integration, 10 s a
 * getProject; cli/aiven.test.js spends 7.5 minutes in them). The second lane takes those files and
 * the bench and demo (which report times but assert none), then the 18 row; the first the rest of
 * 15's row, then 17's.
 */
const SECOND_LANE_FILES = new Set(["cli/aiven.test.js", "cli/demoBench.test.js"]);
const SECOND_LANE_MAJORS = new Set([18]);

/** Every *.test.js below `dir`, as paths relative to it (test/ has a folder per layer). */
function testFilesUnder(dir: string, prefix = ""): string[] {
    return fs.readdirSync(path.join(dir, prefix), { withFileTypes: true }).flatMap((entry) => {
        const relative = path.join(prefix, entry.name);
        if (entry.isDirectory()) return entry.name === "support" ? [] : testFilesUnder(dir, relative);
        return entry.name.endsWith(".test.js") ? [relative] : [];
    });
}

function lanesOf(rows: readonly Row[], dir: string): [Part[], Part[]] {
    const first: Part[] = [];
    const second: Part[] = [];
    for (const row of rows) {
        const files = row.files ?? testFilesUnder(dir);
        for (const f of files) {
            // A renamed or deleted file must not silently leave the matrix.
            if (!fs.existsSync(path.join(dir, f))) throw new Error(`test matrix: ${f} (PostgreSQL ${row.major}) does not exist in ${dir}`);
        }
        if (SECOND_LANE_MAJORS.has(row.major)) second.push({ major: row.major, files });
        else {
            const aside = files.filter((f) => SECOND_LANE_FILES.has(f));
            first.push({ major: row.major, files: files.filter((f) => !SECOND_LANE_FILES.has(f)) });
            if (aside.length > 0) second.push({ major: row.major, files: aside });
        }
    }
    return [first, second];
}

/**
 * One part, one file at a time. The first lane's report streams as it is; the second lane's lines
 * carry a `│ ` prefix (whole lines only), so both can be read in the one log.
 */
async function runPart(part: Part, dir: string, prefix: string, server: Promise<unknown> | undefined): Promise<Outcome> {
    const say = (text: string) => process.stdout.write(text.replace(/^(?=.)/gm, prefix));
    try {
        await server;
    } catch (e) {
        say(`\n=== PostgreSQL ${part.major}: not run: ${e instanceof Error ? e.message : String(e)} ===\n`);
        return { ...part, tests: undefined, code: 1, seconds: 0 };
    }
    say(`\n=== PostgreSQL ${part.major}: ${part.files.length} test files ===\n`);
    const started = performance.now();
    const child = spawn(process.execPath, ["--test", "--test-concurrency=1", ...part.files.map((f) => path.join(dir, f))], {
        env: { ...process.env, PGAUDIT_TEST_PG: String(part.major) },
        stdio: ["ignore", "pipe", "inherit"],
    });
    let output = ""; // the counts come before the failures' details, so keep it all
    let pending = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
        output += chunk;
        const lines = (pending + chunk).split("\n");
        pending = lines.pop()!;
        if (lines.length > 0) say(lines.join("\n") + "\n");
    });
    const code = await new Promise<number | null>((resolve, reject) => {
        child.once("error", reject);
        child.once("close", resolve);
    });
    if (pending) say(pending + "\n");
    const count = (label: string) => Number([...output.matchAll(new RegExp(`^ℹ ${label} (\\d+)`, "gm"))].at(-1)?.[1] ?? NaN);
    const tests = { total: count("tests"), pass: count("pass"), fail: count("fail") };
    return { ...part, tests: Number.isNaN(tests.total) ? undefined : tests, code, seconds: (performance.now() - started) / 1000 };
}

async function runLane(parts: readonly Part[], dir: string, prefix: string, servers: Map<number, Promise<unknown>>): Promise<Outcome[]> {
    const outcomes: Outcome[] = [];
    for (const part of parts) outcomes.push(await runPart(part, dir, prefix, servers.get(part.major)));
    return outcomes;
}

async function main(argv: readonly string[]): Promise<number> {
    const wanted = argv.flatMap((a, i) => (a === "--pg" ? [Number(argv[i + 1])] : a.startsWith("--pg=") ? [Number(a.slice(5))] : []));
    const rows = wanted.length ? MATRIX.filter((r) => wanted.includes(r.major)) : MATRIX;
    const unknown = wanted.filter((m) => !MATRIX.some((r) => r.major === m));
    if (unknown.length) throw new Error(`--pg: the matrix has ${MATRIX.map((r) => r.major).join(", ")}, not ${unknown.join(", ")}`);
    const [first, second] = lanesOf(rows, __dirname);
    // A major the host lacks gets its Debian root made (debootstrap, about half a minute each) while
    // the parts before it run, once for both lanes.
    const servers = new Map(rows.map((r) => [r.major, ensurePostgres(r.major, (m) => console.log(`matrix: PostgreSQL ${r.major}: ${m}`))]));
    for (const server of servers.values()) server.catch(() => undefined); // awaited, and so reported, by its parts
    const started = performance.now();
    const lanes = await Promise.all([runLane(first, __dirname, "", servers), runLane(second, __dirname, "│ ", servers)]);
    console.log(`\n=== test matrix: ${((performance.now() - started) / 1000).toFixed(0)} s in two lanes ===`);
    for (const [i, lane] of lanes.entries()) {
        for (const o of lane) {
            const tests = o.tests ? `${o.tests.total} tests, ${o.tests.pass} pass, ${o.tests.fail} fail` : "no test report";
            const failed = o.code === 0 && o.tests ? "" : `  FAILED (exit ${o.code})`;
            console.log(`lane ${i + 1}, PostgreSQL ${o.major}: ${o.files.length} files, ${tests}, ${o.seconds.toFixed(0)} s${failed}`);
        }
    }
    const all = lanes.flat();
    const sum = (k: "total" | "pass" | "fail") => all.reduce((n, o) => n + (o.tests?.[k] ?? 0), 0);
    console.log(`all: ${all.reduce((n, o) => n + o.files.length, 0)} file runs, ${sum("total")} tests, ${sum("pass")} pass, ${sum("fail")} fail`);
    return all.every((o) => o.code === 0 && o.tests) ? 0 : 1;
}

main(process.argv.slice(2)).then(
    (code) => {
        process.exitCode = code;
    },
    (e: unknown) => {
        console.error(e instanceof Error ? e.message : String(e));
        process.exitCode = 1;
    },
);
