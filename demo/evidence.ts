/**
 * The demo's last step: the audit evidence a pipeline would keep, written where the reader can
 * open it. `pgaudit-posture --baseline stig` as HTML (one self-contained page) and as markdown (a
 * CI job summary), and a screenshot of the page by headless Chromium when it is installed.
 */
import fs from "node:fs";
import path from "node:path";
import { chromiumBinary, screenshot } from "../sandbox/chromium";
import { REPO_ROOT } from "../sandbox/userProject";

/** Where the demo leaves its report (git ignores it). */
const REPORT_DIR = path.join(REPO_ROOT, "demo-report");

/**
 * Writes the report through `posture` (the installed pgaudit-posture). `ok` when it exits 1, as
 * the demo's declarations make it; `where` says where the files are, for the demo's last line.
 */
export async function writeEvidence(posture: (args: string[]) => Promise<number>): Promise<{ ok: boolean; where: string }> {
    fs.mkdirSync(REPORT_DIR, { recursive: true });
    const html = path.join(REPORT_DIR, "pgaudit-posture.html");
    const markdown = path.join(REPORT_DIR, "pgaudit-posture.md");
    const png = path.join(REPORT_DIR, "pgaudit-posture.png");
    // Role reporting is declared at none: the STIG fails it, and the page shows where and why.
    const codes = [
        await posture(["--baseline", "stig", "--format", "html", "--out", html]),
        await posture(["--baseline", "stig", "--format", "markdown", "--out", markdown]),
    ];
    let shot: string;
    try {
        chromiumBinary();
        await screenshot(html, png, 1280, 1600);
        shot = `; a screenshot of it: ${png}`;
    } catch (err) {
        shot = `; no screenshot (${err instanceof Error ? err.message : String(err)})`;
    }
    const where = `the audit evidence: open ${html} in a browser (no network needed; it prints too)${shot}; the CI summary: ${markdown}`;
    console.log(`▸ ${where}`);
    return { ok: codes.every((c) => c === 1), where };
}
