/** Small helpers shared by `npm run demo` and `npm run bench`. */
import fs from "node:fs";
import os from "node:os";

/**
 * Server connections authorized since `offset` of a server log written with log_connections=on,
 * by database, for sessions whose application_name is `application`. Every connection, however
 * short, writes exactly one such line, which sampling pg_stat_activity would not guarantee.
 */
export function connectionsAuthorized(logFile: string, offset: number, application: string): Record<string, number> {
    const text = fs.readFileSync(logFile).subarray(offset).toString("utf8");
    const counts: Record<string, number> = {};
    for (const m of text.matchAll(/connection authorized: user=\S+ database=(\S+) application_name=(\S+)/g)) {
        if (m[2] === application) counts[m[1]] = (counts[m[1]] ?? 0) + 1;
    }
    return counts;
}

export function seconds(ms: number): string {
    return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
}

/** Prints `▸ label …` then ` done (1.23 s)` (or the failure) when `work` settles; returns its result. */
export async function step<T>(label: string, work: () => Promise<T>, done: (result: T) => string = () => "done"): Promise<T> {
    process.stdout.write(`▸ ${label} … `);
    const t0 = performance.now();
    try {
        const result = await work();
        process.stdout.write(`${done(result)} (${seconds(performance.now() - t0)})\n`);
        return result;
    } catch (e) {
        process.stdout.write("failed\n");
        throw e;
    }
}

function padEnd(text: string, width: number): string {
    return text.length >= width ? text : text + " ".repeat(width - text.length);
}

/** A plain text table: a header row, a rule, the rows; columns as wide as their widest cell. */
export function table(header: string[], rows: string[][], indent = "  "): string {
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
    const line = (cells: string[]) =>
        indent +
        cells
            .map((c, i) => (i === cells.length - 1 ? c : padEnd(c, widths[i])))
            .join("  ")
            .trimEnd();
    return [line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}

/** The machine, for reports. */
export function nodeAndCores(): string {
    return `Node ${process.version}, ${os.cpus().length} cores`;
}

/** Ctrl-C or a kill still stops the cluster and the hosts: runs `cleanup`, then exits 130. */
export function cleanUpOnInterrupt(cleanup: () => Promise<void>): void {
    const interrupted = () => {
        console.log("\ninterrupted: cleaning up");
        void cleanup().finally(() => process.exit(130));
    };
    process.once("SIGINT", interrupted);
    process.once("SIGTERM", interrupted);
}
