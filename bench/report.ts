/**
 * `npm run bench -- --report [--roles 1000] [--databases 20] [--runs 3] [--report-out FILE]`: the evidence report at scale, from a
 * real server's posture. A throwaway PostgreSQL with pgaudit gets N login roles and M databases
 * that accept connections (postgres and template1 among them), one role in ten weakened by a role
 * override, a database auditing everything, a role-in-database override per
 * database (and one turning log_catalog off) and two hostile names; then, read as avnadmin: the time to read the posture, check the STIG, compare
 * with a previous report and render each format, each format's size, and headless Chromium's time
 * to load the HTML (`--dump-dom`, and a screenshot) against the same on a tiny page, the browser's
 * own start-up cost. Times are wall clock, the median of `--runs` (3) runs for Chromium.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { escapeIdentifier } from "pg";
import { BASELINES } from "../baselines";
import { checkBaseline } from "../posture/baselineCheck";
import type { PostureReport } from "../posture/model";
import { readAuditPosture } from "../posture/readAuditPosture";
import { compareReports } from "../posture/report/compare";
import { renderHtml } from "../posture/report/html";
import { renderJunit } from "../posture/report/junit";
import { renderMarkdown } from "../posture/report/markdown";
import { closeAllPools } from "../provider/connection";
import { dumpDom, screenshot } from "../sandbox/chromium";
import { startCluster, type TestCluster } from "../sandbox/cluster";
import { cleanUpOnInterrupt, seconds } from "../demo/support";

function option(flag: string, fallback: number, least: number): number {
    const i = process.argv.indexOf(flag);
    const n = i >= 0 ? Number(process.argv[i + 1]) : fallback;
    if (!Number.isInteger(n) || n < least) throw new Error(`${flag} must be a whole number of at least ${least}`);
    return n;
}

const role = (i: number) => `app_${String(i).padStart(4, "0")}`;
const database = (d: number) => `db_${String(d).padStart(2, "0")}`;

/** The roles a week of drift weakens: every tenth from the fifth, at most 20. */
function drifted(roles: number): string[] {
    return Array.from({ length: Math.min(20, Math.floor((roles - 2 + 4) / 10)) }, (_, i) => role(i * 10 + 5));
}

async function timed<T>(work: () => T | Promise<T>): Promise<{ value: T; ms: number }> {
    const started = performance.now();
    const value = await work();
    return { value, ms: performance.now() - started };
}

async function median(runs: number, work: () => Promise<number>): Promise<number> {
    const ms: number[] = [];
    for (let i = 0; i < runs; i++) ms.push(await work());
    return ms.sort((a, b) => a - b)[Math.floor(runs / 2)];
}

const kib = (text: string) => `${(Buffer.byteLength(text) / 1024).toFixed(0)} KiB`;

async function populate(cluster: TestCluster, roles: number, databases: number): Promise<void> {
    const statements = Array.from({ length: roles - 2 }, (_, i) => `CREATE ROLE ${role(i)} LOGIN;`);
    statements.push(`CREATE ROLE ${escapeIdentifier("<img src=x onerror=alert(1)>")} LOGIN;`, `CREATE ROLE ${escapeIdentifier("evil\nrole")} LOGIN;`);
    await cluster.adminSql(statements.join("\n"));
    // postgres and template1 accept connections: the others are made.
    for (let d = 0; d < databases - 2; d++) await cluster.adminSql(`CREATE DATABASE ${database(d)}`);
    const overrides = Array.from({ length: Math.ceil((roles - 2) / 10) }, (_, i) => `ALTER ROLE ${role(i * 10)} SET pgaudit.log = 'write';`);
    overrides.push(`ALTER DATABASE ${database(0)} SET pgaudit.log = 'all';`, `ALTER ROLE ${role(3)} IN DATABASE ${database(1)} SET pgaudit.log_catalog = off;`);
    for (let d = 0; d < databases - 2; d++)
        overrides.push(`ALTER ROLE ${role((d * 7 + 1) % (roles - 2))} IN DATABASE ${database(d)} SET pgaudit.log = 'read,write';`);
    await cluster.sql(overrides.join("\n"));
}

export async function reportBench(): Promise<number> {
    const roles = option("--roles", 1000, 12);
    const databases = option("--databases", 20, 4);
    const runs = option("--runs", 3, 1);
    console.log(`pulumi-aiven-pgaudit bench --report: ${roles} login roles made × ${databases} databases, read as avnadmin, STIG baseline`);
    let cluster: TestCluster | undefined;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pgaudit-report-bench-"));
    const cleanup = async () => {
        await closeAllPools();
        await cluster?.stop();
        fs.rmSync(dir, { recursive: true, force: true });
    };
    cleanUpOnInterrupt(cleanup);
    try {
        cluster = await startCluster({ settings: { "pgaudit.log": "ddl,role,read,write" } });
        const c = cluster;
        const made = await timed(() => populate(c, roles, databases));
        console.log(`  made ${roles} roles, ${databases - 2} databases and their overrides in ${seconds(made.ms)}`);
        const stig = BASELINES.stig;
        const connection = c.adminConnection("postgres");
        const previousPosture = await readAuditPosture(connection);
        const previous: PostureReport = { posture: previousPosture, requirement: null, baseline: checkBaseline(previousPosture, stig) };
        // What a week brings: up to 20 more roles weakened.
        await c.sql(
            drifted(roles)
                .map((r) => `ALTER ROLE ${r} SET pgaudit.log = 'none';`)
                .join("\n"),
        );

        const read = await timed(() => readAuditPosture(connection));
        const pairs = read.value.effective.length;
        const check = await timed(() => checkBaseline(read.value, stig));
        const report: PostureReport = { posture: read.value, requirement: null, baseline: check.value };
        const compare = await timed(() => compareReports(previous, report));
        report.changes = compare.value;
        const html = await timed(() => renderHtml(report));
        const markdown = await timed(() => renderMarkdown(report));
        const junit = await timed(() => renderJunit(report));
        const json = await timed(() => JSON.stringify(report, null, 2));
        console.log(
            `  ${pairs} role × database pairs; ${check.value.violations.length} violations; ${compare.value.weakened.length} pairs weakened since the previous report`,
        );
        console.log(`  read the posture ${seconds(read.ms)}, check the STIG ${seconds(check.ms)}, compare ${seconds(compare.ms)}`);
        for (const [name, r] of [
            ["html", html],
            ["markdown", markdown],
            ["junit", junit],
            ["json", json],
        ] as const)
            console.log(`  ${name.padEnd(8)} rendered in ${seconds(r.ms).padStart(6)}: ${kib(r.value).padStart(9)}`);

        const page = path.join(dir, "report.html");
        const tiny = path.join(dir, "tiny.html");
        fs.writeFileSync(page, html.value);
        const keep = process.argv.indexOf("--report-out");
        if (keep >= 0) {
            fs.writeFileSync(process.argv[keep + 1], html.value);
            console.log(`  the HTML report is in ${process.argv[keep + 1]}`);
        }
        fs.writeFileSync(tiny, "<!doctype html><title>tiny</title><p>tiny</p>");
        let built = "";
        const dom = async (file: string) => {
            const loaded = await dumpDom(file);
            built = loaded.dom;
            return loaded.ms;
        };
        const shot = async (file: string) => (await screenshot(file, path.join(dir, "shot.png"), 1280, 2000)).ms;
        const [domTiny, shotTiny, shotPage, domPage] = [
            await median(runs, () => dom(tiny)),
            await median(runs, () => shot(tiny)),
            await median(runs, () => shot(page)),
            await median(runs, () => dom(page)),
        ];
        const cells = built.match(/<td class="[feoun]"/g)?.length ?? 0;
        console.log(
            `  chromium --dump-dom: ${seconds(domPage)} on the report vs ${seconds(domTiny)} on a tiny page (${seconds(domPage - domTiny)} for the report itself); the DOM holds ${cells} matrix cells`,
        );
        console.log(`  chromium --screenshot 1280×2000: ${seconds(shotPage)} vs ${seconds(shotTiny)} (${seconds(shotPage - shotTiny)} for the report itself)`);
        if (cells !== pairs) throw new Error(`the DOM holds ${cells} matrix cells, expected one per pair (${pairs})`);
        await cleanup();
        return 0;
    } catch (e) {
        console.error(`\nbench --report failed: ${e instanceof Error ? e.message : String(e)}`);
        await cleanup().catch(() => undefined);
        return 1;
    }
}
