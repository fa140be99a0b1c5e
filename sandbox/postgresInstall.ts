/**
 * Which PostgreSQL majors (with pgaudit) this machine has or can have, and getting one: the
 * host's own packages when installed or installable with apt, else a Debian root (debianRoot.ts).
 * The tests ask for a major; the demo asks for the newest it can have.
 */
import { execFile } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { binDir, debianRootReady, ensureDebianRoot, pgauditLibrary, ROOT_MAJORS } from "./debianRoot";

const execFileAsync = promisify(execFile);

/** Per-scope pgaudit settings need parameter grants, new in PostgreSQL 15. */
const OLDEST_MAJOR = 15;

/** Where one major's server binaries are: on the host, or inside a Debian root (run with chroot). */
export interface PostgresInstallation {
    readonly major: number;
    /** the Debian root the server runs in (chroot), or undefined for the host's own packages */
    readonly root?: string;
    /** the binaries, as a path the server sees (inside the root when there is one) */
    readonly binDir: string;
}

/** Majors ≥ 15 installed on the host with pgaudit, newest first. */
export function installedMajors(libRoot = "/usr/lib/postgresql"): number[] {
    let names: string[];
    try {
        names = fs.readdirSync(libRoot);
    } catch {
        return [];
    }
    return names
        .filter((n) => /^\d+$/.test(n) && Number(n) >= OLDEST_MAJOR)
        .filter((n) => fs.existsSync(path.join(libRoot, n, "bin/initdb")) && fs.existsSync(path.join(libRoot, n, "lib/pgaudit.so")))
        .map(Number)
        .sort((a, b) => b - a);
}

/** The major of `Depends: postgresql-NN` in `apt-cache show postgresql` output (the distribution's default). */
export function parseDefaultMajor(aptCacheShow: string): number | undefined {
    const depends = aptCacheShow.match(/^Depends:.*$/m)?.[0];
    const m = depends?.match(/\bpostgresql-(\d+)\b/);
    return m ? Number(m[1]) : undefined;
}

/** Whether `apt-cache policy` output names an installable candidate. */
export function parseHasCandidate(aptCachePolicy: string): boolean {
    const candidate = aptCachePolicy.match(/^\s*Candidate:\s*(\S+)/m)?.[1];
    return candidate !== undefined && candidate !== "(none)";
}

async function aptCache(args: string[]): Promise<string> {
    try {
        return (await execFileAsync("apt-cache", args, { maxBuffer: 16 * 1024 * 1024 })).stdout;
    } catch {
        return ""; // no apt here, or no such package
    }
}

let aptUpdated: Promise<void> | undefined;
const APT_ENV = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };

/** apt-get update, once per process; only as root (a clean CI image has empty package lists). */
function aptUpdate(): Promise<void> {
    aptUpdated ??= execFileAsync("apt-get", ["update"], { env: APT_ENV, maxBuffer: 64 * 1024 * 1024 }).then(() => undefined);
    return aptUpdated;
}

const isRoot = () => process.getuid?.() === 0;

/** The distribution's default PostgreSQL major (Debian 12: 15, Debian 13: 17, Ubuntu 24.04: 16), or undefined without apt. */
async function distributionDefaultMajor(): Promise<number | undefined> {
    if (isRoot() && !aptListsPresent()) await aptUpdate().catch(() => undefined);
    return parseDefaultMajor(await aptCache(["show", "--no-all-versions", "postgresql"]));
}

/** Whether apt can install `postgresql-NN-pgaudit` (hence its server) on the host, updating the lists first if empty. */
async function aptCanInstall(major: number): Promise<boolean> {
    if (isRoot() && !aptListsPresent()) await aptUpdate();
    return parseHasCandidate(await aptCache(["policy", `postgresql-${major}-pgaudit`]));
}

/** A clean CI image ships without package lists, so apt knows no package until apt-get update. */
function aptListsPresent(): boolean {
    try {
        return fs.readdirSync("/var/lib/apt/lists").some((f) => /_Packages(\.\w+)?$/.test(f));
    } catch {
        return false;
    }
}

/**
 * The newest major the demo can have: the host's own PostgreSQL ≥ 15 with pgaudit if installed,
 * else the distribution's default major (installed with its pgaudit on first use), else 15.
 */
export async function newestAvailableMajor(libRoot?: string): Promise<number> {
    const here = installedMajors(libRoot)[0];
    if (here !== undefined) return here;
    const fallback = await distributionDefaultMajor();
    return fallback !== undefined && fallback >= OLDEST_MAJOR ? fallback : OLDEST_MAJOR;
}

/** Parses a `--pg` value: a major ≥ 15 this module can get (host packages, or a Debian root for 15, 17, 18). */
export function parseMajor(value: string, source = "--pg"): number {
    if (!/^\d+$/.test(value) || Number(value) < OLDEST_MAJOR) {
        throw new Error(`${source} must be a PostgreSQL major version ≥ ${OLDEST_MAJOR} (${ROOT_MAJORS.join(", ")} everywhere), not ${JSON.stringify(value)}`);
    }
    return Number(value);
}

/** Whether `major` can start without installing anything: on the host, or in a cached Debian root. */
export function postgresReady(major: number): boolean {
    return installedMajors().includes(major) || (ROOT_MAJORS.includes(major) && debianRootReady(major));
}

const ensuring = new Map<number, Promise<PostgresInstallation>>();

/**
 * PostgreSQL `major` with pgaudit, ready to run: the host's packages if installed, a cached
 * Debian root if made, the host's packages installed with apt (as root) if the distribution has
 * them, else a Debian root made now. At most once per major and process.
 */
export function ensurePostgres(major: number, progress: (message: string) => void = () => {}): Promise<PostgresInstallation> {
    let got = ensuring.get(major);
    if (!got) {
        got = findOrInstall(major, progress);
        got.catch(() => ensuring.delete(major));
        ensuring.set(major, got);
    }
    return got;
}

async function findOrInstall(major: number, progress: (message: string) => void): Promise<PostgresInstallation> {
    const host: PostgresInstallation = { major, binDir: binDir(major) };
    if (installedMajors().includes(major)) return host;
    if (ROOT_MAJORS.includes(major) && debianRootReady(major)) return { major, root: await ensureDebianRoot(major), binDir: binDir(major) };
    if (!isRoot()) {
        throw new Error(
            `PostgreSQL ${major} with pgaudit is not installed (${binDir(major)}/initdb or ${pgauditLibrary(major)} missing) and ` +
                `this process is not root: run \`apt-get install -y postgresql-${major} postgresql-${major}-pgaudit\` first` +
                (ROOT_MAJORS.includes(major) ? `, or run as root once to make a Debian root for it` : ""),
        );
    }
    if (await aptCanInstall(major)) {
        progress(`installing postgresql-${major} and postgresql-${major}-pgaudit with apt-get`);
        await aptUpdate(); // lists may be stale: the versions they name may be gone from the mirror
        await execFileAsync("apt-get", ["install", "-y", `postgresql-${major}`, `postgresql-${major}-pgaudit`], { env: APT_ENV, maxBuffer: 64 * 1024 * 1024 });
        return host;
    }
    if (!ROOT_MAJORS.includes(major)) {
        throw new Error(
            `PostgreSQL ${major} with pgaudit is neither installed nor installable here, and Debian roots exist only for ${ROOT_MAJORS.join(", ")}`,
        );
    }
    return { major, root: await ensureDebianRoot(major, progress), binDir: binDir(major) };
}

/** The major `--pg 17` or `--pg=17` asks for in `argv`, or undefined when none does. */
export function majorFromArgs(argv: readonly string[]): number | undefined {
    const i = argv.findIndex((a) => a === "--pg" || a.startsWith("--pg="));
    if (i < 0) return undefined;
    const value = argv[i] === "--pg" ? argv[i + 1] : argv[i].slice("--pg=".length);
    return parseMajor(value ?? "");
}
