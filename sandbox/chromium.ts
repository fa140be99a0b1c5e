/**
 * Headless Chromium (Debian's `chromium` package) for the tests and the bench that open the HTML
 * report in a real browser: the DOM it built (`--dump-dom`) and a screenshot. CI installs it
 * (.ci/run); where it is missing, this throws, so a test that needs it fails instead of skipping.
 */
import { execFile, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";

const execFileAsync = promisify(execFile);

/** The chromium binary on PATH, or an error saying how to install it. */
export function chromiumBinary(): string {
    const found = spawnSync("sh", ["-c", "command -v chromium"], { encoding: "utf8" });
    const bin = found.stdout.trim();
    if (found.status !== 0 || bin === "") throw new Error("chromium is not installed: run apt-get install -y chromium (.ci/run does)");
    return bin;
}

/** Runs headless Chromium on a local file with a throwaway profile; returns stdout and how long it took. */
async function run(file: string, extra: readonly string[]): Promise<{ stdout: string; ms: number }> {
    const profile = fs.mkdtempSync(path.join(os.tmpdir(), "pgaudit-chromium-"));
    const started = performance.now();
    try {
        const { stdout } = await execFileAsync(
            chromiumBinary(),
            // As root (CI) Chromium needs --no-sandbox; no GPU, no first-run work, no network use.
            [
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
                "--disable-extensions",
                `--user-data-dir=${profile}`,
                ...extra,
                pathToFileURL(file).href,
            ],
            { maxBuffer: 256 * 1024 * 1024, timeout: 120_000 },
        );
        return { stdout, ms: performance.now() - started };
    } finally {
        fs.rmSync(profile, { recursive: true, force: true });
    }
}

/** The DOM Chromium built from the file, serialized (after parsing, styles and scripts). */
export function dumpDom(file: string): Promise<{ dom: string; ms: number }> {
    return run(file, ["--dump-dom"]).then(({ stdout, ms }) => ({ dom: stdout, ms }));
}

/** A PNG screenshot of the file at the given window size. */
export async function screenshot(file: string, png: string, width: number, height: number): Promise<{ ms: number }> {
    const { ms } = await run(file, [`--screenshot=${png}`, `--window-size=${width},${height}`, "--hide-scrollbars"]);
    if (!fs.existsSync(png)) throw new Error(`chromium wrote no screenshot to ${png}`);
    return { ms };
}
