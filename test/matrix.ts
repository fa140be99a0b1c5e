/**
 * `npm test` ends here: the test files on each PostgreSQL major Aiven runs, one `node --test` run
 * a major with PGAUDIT_TEST_PG set (startCluster() reads it). Every file runs on 15 (the host's
 * packages); the server-facing groups again on 17 (Aiven's default for new services, and what 16
 * does too) and the lifecycle, oracle, permission and posture groups on 18, from Debian roots made
 * once. `node dist/test/matrix.js --pg 17` runs only 17's row; `--pg` may be repeated.
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

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

interface Outcome {
    readonly major: number;
    readonly files: number;
    readonly tests: string;
    readonly code: number | null;
    readonly seconds: number;
}

/** Every *.test.js below `dir`, as paths relative to it (test/ has a folder per layer). */
function testFilesUnder(dir: string, prefix = ""): string[] {
    return fs.readdirSync(path.join(dir, prefix), { withFileTypes: true }).flatMap((entry) => {
        const relative = path.join(prefix, entry.name);
        if (entry.isDirectory()) return entry.name === "support" ? [] : testFilesUnder(dir, relative);
        return entry.name.endsWith(".test.js") ? [relative] : [];
    });
}

function runRow(row: Row, dir: string): Promise<Outcome> {
    const files = row.files ?? testFilesUnder(dir);
    for (const f of files) {
        // A renamed or deleted file must not silently leave the matrix.
        if (!fs.existsSync(path.join(dir, f))) throw new Error(`test matrix: ${f} (PostgreSQL ${row.major}) does not exist in ${dir}`);
    }
    const started = performance.now();
    console.log(`\n=== PostgreSQL ${row.major}: ${files.length} test files ===`);
    const child = spawn(process.execPath, ["--test", "--test-concurrency=1", ...files.map((f) => path.join(dir, f))], {
        env: { ...process.env, PGAUDIT_TEST_PG: String(row.major) },
        stdio: ["ignore", "pipe", "inherit"],
    });
    let output = ""; // the counts come before the failures' details, so keep it all
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
        process.stdout.write(chunk);
        output += chunk;
    });
    return new Promise((resolve, reject) => {
        child.once("error", reject);
        child.once("close", (code) => {
            const count = (label: string) => [...output.matchAll(new RegExp(`^ℹ ${label} (\\d+)`, "gm"))].at(-1)?.[1] ?? "?";
            resolve({
                major: row.major,
                files: files.length,
                tests: `${count("tests")} tests, ${count("pass")} pass, ${count("fail")} fail`,
                code,
                seconds: (performance.now() - started) / 1000,
            });
        });
    });
}

async function main(argv: readonly string[]): Promise<number> {
    const wanted = argv.flatMap((a, i) => (a === "--pg" ? [Number(argv[i + 1])] : a.startsWith("--pg=") ? [Number(a.slice(5))] : []));
    const rows = wanted.length ? MATRIX.filter((r) => wanted.includes(r.major)) : MATRIX;
    const unknown = wanted.filter((m) => !MATRIX.some((r) => r.major === m));
    if (unknown.length) throw new Error(`--pg: the matrix has ${MATRIX.map((r) => r.major).join(", ")}, not ${unknown.join(", ")}`);
    const outcomes: Outcome[] = [];
    for (const row of rows) outcomes.push(await runRow(row, __dirname));
    console.log("\n=== test matrix ===");
    for (const o of outcomes) {
        console.log(`PostgreSQL ${o.major}: ${o.files} files, ${o.tests}, ${o.seconds.toFixed(0)} s${o.code === 0 ? "" : `  FAILED (exit ${o.code})`}`);
    }
    return outcomes.every((o) => o.code === 0) ? 0 : 1;
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
