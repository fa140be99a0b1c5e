/**
 * A Debian root holding one PostgreSQL major and its pgaudit, for majors the host's distribution
 * does not ship (Debian 12 has 15 only; Aiven runs up to 18). Made once with debootstrap and cached
 * outside the clone; the throwaway cluster then runs inside it with chroot, needing no mounts.
 *
 * Made safely: debootstrap fills a temp dir beside the final one, which is renamed only once
 * complete, so a killed build is never taken for a root (its leftovers are removed next time).
 */
import { execFile, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";

const execFileAsync = promisify(execFile);

/** The Debian suite whose own packages bring each major (with `postgresql-NN-pgaudit`). */
const DEBIAN_SUITES: Readonly<Record<number, string>> = { 15: "bookworm", 17: "trixie", 18: "forky" };

/** Majors a Debian root can be made for. */
export const ROOT_MAJORS: readonly number[] = Object.keys(DEBIAN_SUITES).map(Number);

/** Where the project caches what is slow to make, as .ci/run does. */
export function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
    if (env.PULUMI_AIVEN_PGAUDIT_CACHE) return env.PULUMI_AIVEN_PGAUDIT_CACHE;
    return path.join(env.XDG_CACHE_HOME || path.join(os.homedir(), ".cache"), "pulumi-aiven-pgaudit");
}

export function debianSuiteFor(major: number): string {
    const suite = DEBIAN_SUITES[major];
    if (suite === undefined) {
        throw new Error(
            `no Debian root for PostgreSQL ${major}: roots exist for ${ROOT_MAJORS.join(", ")} (Debian ${Object.values(DEBIAN_SUITES).join(", ")})`,
        );
    }
    return suite;
}

/** The root's directory for `major`; it exists only once complete. */
export function debianRootDir(major: number, env: NodeJS.ProcessEnv = process.env): string {
    return path.join(cacheDir(env), "pg-roots", debianSuiteFor(major));
}

/** The server's binaries and pgaudit, as paths inside the root. */
export function binDir(major: number): string {
    return `/usr/lib/postgresql/${major}/bin`;
}
export function pgauditLibrary(major: number): string {
    return `/usr/lib/postgresql/${major}/lib/pgaudit.so`;
}

/** Whether a complete root for `major` is cached (an incomplete build never has the final name). */
export function debianRootReady(major: number, env: NodeJS.ProcessEnv = process.env): boolean {
    const dir = debianRootDir(major, env);
    return fs.existsSync(path.join(dir, binDir(major), "initdb")) && fs.existsSync(path.join(dir, pgauditLibrary(major)));
}

/** The root's `postgres` user, by number: the host's user database does not know it. */
export function rootPostgresUser(rootDir: string): { uid: number; gid: number } {
    const line = fs
        .readFileSync(path.join(rootDir, "etc/passwd"), "utf8")
        .split("\n")
        .find((l) => l.startsWith("postgres:"));
    if (!line) throw new Error(`${rootDir}/etc/passwd has no postgres user: the root is damaged, remove ${rootDir} to make it anew`);
    const [, , uid, gid] = line.split(":");
    return { uid: Number(uid), gid: Number(gid) };
}

const building = new Map<number, Promise<string>>();

/**
 * The root for `major`, made first when missing (root only: debootstrap and chroot need it).
 * `progress` hears what is slow, so callers can say why they wait.
 */
export function ensureDebianRoot(major: number, progress: (message: string) => void = () => {}): Promise<string> {
    const dir = debianRootDir(major);
    if (debianRootReady(major)) return Promise.resolve(dir);
    let made = building.get(major);
    if (!made) {
        made = buildRoot(major, dir, progress).finally(() => building.delete(major));
        building.set(major, made);
    }
    return made;
}

const MIRROR = process.env.PGAUDIT_DEBIAN_MIRROR || "http://deb.debian.org/debian";

async function buildRoot(major: number, dir: string, progress: (message: string) => void): Promise<string> {
    if (process.getuid?.() !== 0) {
        throw new Error(
            `PostgreSQL ${major} needs a Debian root made with debootstrap and run with chroot, which only root may do; ` +
                `run as root, or install postgresql-${major} and postgresql-${major}-pgaudit on this machine`,
        );
    }
    const suite = debianSuiteFor(major);
    const parent = path.dirname(dir);
    fs.mkdirSync(parent, { recursive: true });
    removeAbandonedBuilds(parent, suite);
    await ensureDebootstrap();

    const temp = path.join(parent, `${suite}.building-${process.pid}-${randomBytes(3).toString("hex")}`);
    const logFile = path.join(parent, `${suite}.log`);
    progress(`making a Debian ${suite} root with postgresql-${major} and pgaudit in ${dir} (once, about 1.5 minutes; log ${logFile})`);
    // debootstrap of a release newer than the host's debootstrap knows: the sid script fits every newer one.
    const script = fs.existsSync(`/usr/share/debootstrap/scripts/${suite}`) ? [] : ["/usr/share/debootstrap/scripts/sid"];
    const keyring = "/usr/share/keyrings/debian-archive-keyring.gpg";
    const args = [
        "--variant=minbase",
        `--include=postgresql-${major},postgresql-${major}-pgaudit`,
        ...(fs.existsSync(keyring) ? [`--keyring=${keyring}`] : []),
        suite,
        temp,
        MIRROR,
        ...script,
    ];
    try {
        const out = await execFileAsync("debootstrap", args, { maxBuffer: 256 * 1024 * 1024 }).catch((e: Error & { stdout?: string; stderr?: string }) => {
            fs.writeFileSync(logFile, `${e.stdout ?? ""}${e.stderr ?? ""}`);
            throw new Error(`debootstrap ${args.join(" ")} failed (log ${logFile}): ${e.message.split("\n")[0]}`);
        });
        fs.writeFileSync(logFile, `${out.stdout}${out.stderr}`);
        if (!fs.existsSync(path.join(temp, binDir(major), "initdb")) || !fs.existsSync(path.join(temp, pgauditLibrary(major)))) {
            throw new Error(`debootstrap made ${temp} but it lacks ${binDir(major)}/initdb or ${pgauditLibrary(major)} (log ${logFile})`);
        }
        // The packages' own cluster and the downloaded .debs are of no use here: 150 MB less.
        for (const leftover of [`var/lib/postgresql/${major}/main`, `etc/postgresql/${major}/main`]) {
            fs.rmSync(path.join(temp, leftover), { recursive: true, force: true });
        }
        for (const deb of fs.readdirSync(path.join(temp, "var/cache/apt/archives")).filter((f) => f.endsWith(".deb"))) {
            fs.rmSync(path.join(temp, "var/cache/apt/archives", deb));
        }
        try {
            fs.renameSync(temp, dir);
        } catch (e) {
            // Another process finished the same root first: keep theirs.
            if (!debianRootReady(major)) throw e;
            removeTree(temp);
        }
        return dir;
    } catch (e) {
        removeTree(temp);
        throw e;
    }
}

/** A build that was killed left `<suite>.building-<pid>-…`; remove those whose process is gone. */
export function removeAbandonedBuilds(parent: string, suite: string): void {
    for (const name of fs.readdirSync(parent)) {
        const m = name.match(/^(.+)\.building-(\d+)-[0-9a-f]+$/);
        if (!m || m[1] !== suite || processAlive(Number(m[2]))) continue;
        removeTree(path.join(parent, name));
    }
}

function processAlive(pid: number): boolean {
    try {
        process.kill(pid, 0);
        return true;
    } catch (e) {
        return (e as NodeJS.ErrnoException).code === "EPERM";
    }
}

/**
 * rm -rf that first unmounts what debootstrap mounted inside (it mounts proc and sys while it
 * installs; a killed build leaves them): removing through a mount would reach the host's.
 */
function removeTree(dir: string): void {
    if (!fs.existsSync(dir)) return;
    const prefix = fs.realpathSync(dir) + "/";
    const mounts = fs
        .readFileSync("/proc/mounts", "utf8")
        .split("\n")
        .map((l) => l.split(" ")[1]?.replace(/\\040/g, " "))
        .filter((m): m is string => m !== undefined && m.startsWith(prefix))
        .sort((a, b) => b.length - a.length); // innermost first
    for (const m of mounts) {
        if (spawnSync("umount", ["-l", m], { stdio: "ignore" }).status !== 0)
            throw new Error(`cannot unmount ${m} inside ${dir}; not removing it (unmount it, then remove ${dir})`);
    }
    fs.rmSync(dir, { recursive: true, force: true });
}

let installingDebootstrap: Promise<void> | undefined;

function ensureDebootstrap(): Promise<void> {
    if (fs.existsSync("/usr/sbin/debootstrap")) return Promise.resolve();
    installingDebootstrap ??= (async () => {
        const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
        await execFileAsync("apt-get", ["update"], { env, maxBuffer: 64 * 1024 * 1024 });
        await execFileAsync("apt-get", ["install", "-y", "debootstrap"], { env, maxBuffer: 64 * 1024 * 1024 });
    })();
    return installingDebootstrap;
}
