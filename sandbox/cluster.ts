/**
 * A throwaway PostgreSQL 15 cluster (optionally with pgaudit preloaded) for the tests, the demo and
 * the bench.
 *
 * It emulates Aiven's permission model: the tests' "admin" is the non-superuser `avnadmin`
 * (LOGIN CREATEROLE CREATEDB, plus GRANT SET ON PARAMETER for every pgaudit.* setting), while the
 * superuser `postgres` is reachable only over the unix socket (trust) for setup and inspection.
 */
import { execFile, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import pg from "pg";

export interface StartOptions {
    /** shared_preload_libraries=pgaudit (default true) */
    pgaudit?: boolean;
    /** extra -c settings, e.g. { "pgaudit.log": "ddl" } */
    settings?: Record<string, string>;
}

export interface AdminConnection {
    host: string;
    port: number;
    user: string;
    password: string;
    database: string;
    sslMode: "disable";
}

export interface TestCluster {
    readonly host: "127.0.0.1";
    /** a free TCP port chosen at start (kept across restarts) */
    readonly port: number;
    /** unix socket dir, auth trust for local connections */
    readonly socketDir: string;
    readonly dataDir: string;
    /** server log (stderr of postgres, via pg_ctl -l) */
    readonly logFile: string;
    /** the non-superuser Aiven emulation role, created at start */
    readonly admin: { user: "avnadmin"; password: string };
    /** connection URI for avnadmin over TCP with password, sslmode=disable, database default "postgres" */
    adminUri(database?: string): string;
    /** connection object form for avnadmin */
    adminConnection(database?: string): AdminConnection;
    /** run SQL as superuser postgres over the unix socket (new connection each call); returns rows */
    sql<T = any>(text: string, params?: unknown[], database?: string): Promise<T[]>;
    /** open a NEW session as `role` into `database` over the unix socket (trust auth); caller ends it */
    connectAs(role: string, database: string, applicationName?: string): Promise<pg.Client>;
    /** current byte size of the log file, to read only what comes after */
    logOffset(): number;
    /**
     * Log entries written after `offset` that contain "AUDIT:" and come from the session whose
     * application_name is `applicationName` (all sessions when omitted). An entry whose message
     * spans several lines (a multi-line statement) is returned as one string joined with "\n".
     */
    auditLines(offset: number, applicationName?: string): string[];
    /** poll auditLines every 25 ms until at least `min` entries appear; returns what it has at timeout, never throws */
    waitForAuditLines(offset: number, applicationName?: string, min?: number, timeoutMs?: number): Promise<string[]>;
    /** restart with other options (e.g. without pgaudit) keeping the data and the port */
    restart(opts?: StartOptions): Promise<void>;
    /** stop the server (fast shutdown) keeping the data and the port, as an outage would */
    halt(): Promise<void>;
    /** start a halted server again, with the options it had */
    resume(): Promise<void>;
    /** fast shutdown and remove the data dir; idempotent */
    stop(): Promise<void>;
}

const BIN = "/usr/lib/postgresql/15/bin";
const PGAUDIT_SO = "/usr/lib/postgresql/15/lib/pgaudit.so";
const isRoot = process.getuid?.() === 0;
const execFileAsync = promisify(execFile);

/** initdb and pg_ctl refuse to run as root, so as root they run as the `postgres` OS user. */
function pgCommand(bin: string, args: string[]): [string, string[]] {
    const file = path.join(BIN, bin);
    return isRoot ? ["runuser", ["-u", "postgres", "--", file, ...args]] : [file, args];
}

async function run(bin: string, args: string[], cwd: string): Promise<void> {
    const [file, argv] = pgCommand(bin, args);
    try {
        // cwd: the postgres OS user may not be able to read the test's working directory.
        await execFileAsync(file, argv, { cwd, maxBuffer: 16 * 1024 * 1024 });
    } catch (e) {
        const err = e as Error & { stderr?: string; stdout?: string };
        throw new Error(`${bin} ${args.join(" ")} failed: ${err.message}\n${err.stdout ?? ""}${err.stderr ?? ""}`);
    }
}

let installing: Promise<void> | undefined;

/** Install PostgreSQL 15 and pgaudit when missing (clean CI machines); at most once per process. */
function ensureInstalled(): Promise<void> {
    if (fs.existsSync(path.join(BIN, "initdb")) && fs.existsSync(PGAUDIT_SO)) return Promise.resolve();
    installing ??= (async () => {
        if (!isRoot) {
            throw new Error(
                `PostgreSQL 15 with pgaudit is not installed (${BIN}/initdb or ${PGAUDIT_SO} missing) and ` +
                    "this process is not root: run `apt-get install -y postgresql-15 postgresql-15-pgaudit` first.",
            );
        }
        const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
        await execFileAsync("apt-get", ["update"], { env, maxBuffer: 64 * 1024 * 1024 });
        await execFileAsync("apt-get", ["install", "-y", "postgresql-15", "postgresql-15-pgaudit"], {
            env,
            maxBuffer: 64 * 1024 * 1024,
        });
    })();
    return installing;
}

function freePort(): Promise<number> {
    return new Promise((resolve, reject) => {
        const server = net.createServer();
        server.once("error", reject);
        server.listen(0, "127.0.0.1", () => {
            const { port } = server.address() as net.AddressInfo;
            server.close(() => resolve(port));
        });
    });
}

/** pg_ctl hands -o to /bin/sh, so each argument is single-quoted for the shell. */
function shellQuote(s: string): string {
    return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** Clusters not yet stopped; stopped synchronously on process exit so a crashed test leaks no server. */
const running = new Set<Cluster>();
process.on("exit", () => {
    for (const c of running) c.killSync();
});

// A log entry starts with the %m timestamp of log_line_prefix; other lines continue the previous entry.
const ENTRY_START = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} /;

class Cluster implements TestCluster {
    readonly host = "127.0.0.1" as const;
    readonly dataDir: string;
    readonly logFile: string;
    readonly admin: { user: "avnadmin"; password: string };
    private stopped = false;
    private seq = 0;

    constructor(
        readonly port: number,
        readonly socketDir: string,
    ) {
        this.dataDir = path.join(socketDir, "data");
        this.logFile = path.join(socketDir, "server.log");
        this.admin = { user: "avnadmin", password: randomBytes(16).toString("hex") };
    }

    adminUri(database = "postgres"): string {
        const { user, password } = this.admin;
        return `postgresql://${user}:${encodeURIComponent(password)}@${this.host}:${this.port}/${encodeURIComponent(database)}?sslmode=disable`;
    }

    adminConnection(database = "postgres"): AdminConnection {
        const { user, password } = this.admin;
        return { host: this.host, port: this.port, user, password, database, sslMode: "disable" };
    }

    async sql<T = any>(text: string, params?: unknown[], database = "postgres"): Promise<T[]> {
        const client = await this.connectAs("postgres", database, "cluster-sql");
        try {
            return (await client.query(text, params)).rows as T[];
        } finally {
            await client.end();
        }
    }

    async connectAs(role: string, database: string, applicationName?: string): Promise<pg.Client> {
        const client = new pg.Client({
            host: this.socketDir, // a directory: pg connects to the unix socket there (trust auth)
            port: this.port,
            user: role,
            database,
            application_name: applicationName ?? `t${process.pid}_${++this.seq}_${randomBytes(3).toString("hex")}`,
        });
        await client.connect();
        return client;
    }

    logOffset(): number {
        return fs.statSync(this.logFile).size;
    }

    auditLines(offset: number, applicationName?: string): string[] {
        const fd = fs.openSync(this.logFile, "r");
        let text: string;
        try {
            const size = fs.fstatSync(fd).size;
            const buf = Buffer.alloc(Math.max(0, size - offset));
            fs.readSync(fd, buf, 0, buf.length, offset);
            text = buf.toString("utf8");
        } finally {
            fs.closeSync(fd);
        }
        const entries: string[] = [];
        for (const line of text.split("\n")) {
            if (ENTRY_START.test(line) || entries.length === 0) entries.push(line);
            else entries[entries.length - 1] += "\n" + line;
        }
        const app = applicationName === undefined ? undefined : `app=${applicationName} `;
        return entries.filter((e) => e.includes("AUDIT:") && (app === undefined || e.includes(app))).map((e) => e.trimEnd());
    }

    async waitForAuditLines(offset: number, applicationName?: string, min = 1, timeoutMs = 3000): Promise<string[]> {
        const deadline = Date.now() + timeoutMs;
        for (;;) {
            let lines: string[] = [];
            try {
                lines = this.auditLines(offset, applicationName);
            } catch {
                // the log file vanished (cluster stopped): report nothing rather than throw
            }
            if (lines.length >= min || Date.now() >= deadline) return lines;
            await new Promise((r) => setTimeout(r, 25));
        }
    }

    /** Start the server on the initialised data dir. */
    async start(opts: StartOptions = {}): Promise<void> {
        this.lastOptions = opts;
        const settings: Record<string, string> = {
            listen_addresses: "127.0.0.1",
            // %a lets auditLines pick one session's lines; %q leaves background processes unprefixed.
            log_line_prefix: "%m [%p] %q%u@%d app=%a ",
            fsync: "off",
            max_connections: "200",
            ...((opts.pgaudit ?? true) ? { shared_preload_libraries: "pgaudit" } : {}),
            ...opts.settings,
        };
        const o = [`-p ${this.port}`, `-k ${shellQuote(this.socketDir)}`];
        for (const [name, value] of Object.entries(settings)) {
            if (!/^[A-Za-z_][A-Za-z0-9_.]*$/.test(name)) throw new Error(`invalid setting name ${JSON.stringify(name)}`);
            o.push(`-c ${shellQuote(`${name}=${value}`)}`);
        }
        try {
            await run("pg_ctl", ["start", "-w", "-D", this.dataDir, "-l", this.logFile, "-o", o.join(" ")], this.socketDir);
        } catch (e) {
            throw new Error(`${(e as Error).message}\n--- server log tail ---\n${this.logTail()}`);
        }
    }

    /**
     * Let avnadmin set every pgaudit.* parameter this server knows (none when pgaudit is not loaded),
     * as Aiven does. Asking pg_settings covers builds with extra parameters; re-granting is a no-op.
     */
    async grantPgaudit(): Promise<void> {
        const names = await this.sql<{ name: string }>("SELECT name FROM pg_settings WHERE name LIKE 'pgaudit.%' ORDER BY name");
        if (names.length === 0) return;
        const list = names.map((r) => pg.escapeIdentifier(r.name)).join(", ");
        await this.sql(`GRANT SET ON PARAMETER ${list} TO ${pg.escapeIdentifier(this.admin.user)}`);
    }

    async restart(opts?: StartOptions): Promise<void> {
        if (this.stopped) throw new Error("cluster already stopped");
        await run("pg_ctl", ["stop", "-w", "-m", "fast", "-D", this.dataDir], this.socketDir);
        await this.start(opts);
        await this.grantPgaudit();
    }

    private lastOptions: StartOptions = {};

    async halt(): Promise<void> {
        await run("pg_ctl", ["stop", "-w", "-m", "fast", "-D", this.dataDir], this.socketDir);
    }

    async resume(): Promise<void> {
        await this.start(this.lastOptions);
    }

    async stop(): Promise<void> {
        if (this.stopped) return;
        this.stopped = true;
        running.delete(this);
        try {
            if (fs.existsSync(path.join(this.dataDir, "postmaster.pid"))) {
                await run("pg_ctl", ["stop", "-w", "-m", "fast", "-D", this.dataDir], this.socketDir);
            }
        } finally {
            fs.rmSync(this.socketDir, { recursive: true, force: true });
        }
    }

    /** Synchronous last resort for process exit: immediate shutdown, then remove everything. */
    killSync(): void {
        if (this.stopped) return;
        this.stopped = true;
        running.delete(this);
        const [file, argv] = pgCommand("pg_ctl", ["stop", "-w", "-m", "immediate", "-D", this.dataDir]);
        spawnSync(file, argv, { cwd: this.socketDir, stdio: "ignore" });
        fs.rmSync(this.socketDir, { recursive: true, force: true });
    }

    private logTail(): string {
        try {
            return fs.readFileSync(this.logFile, "utf8").split("\n").slice(-20).join("\n");
        } catch {
            return "(no log)";
        }
    }
}

export async function startCluster(opts: StartOptions = {}): Promise<TestCluster> {
    await ensureInstalled();
    // One temp dir holds the socket, the log and the data dir; removed by stop().
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pgtest-"));
    const cluster = new Cluster(await freePort(), dir);
    running.add(cluster);
    try {
        // Pre-create the log so it stays readable by this process (pg_ctl appends to it).
        fs.writeFileSync(cluster.logFile, "", { mode: 0o644 });
        if (isRoot) {
            const { uid, gid } = postgresUser();
            fs.chownSync(dir, uid, gid);
            fs.chownSync(cluster.logFile, uid, gid);
        }
        await run(
            "initdb",
            ["-D", cluster.dataDir, "-U", "postgres", "--auth-local=trust", "--auth-host=scram-sha-256", "-E", "UTF8", "--locale=C.UTF-8"],
            dir,
        );
        await cluster.start(opts);
        await cluster.sql(
            `CREATE ROLE ${pg.escapeIdentifier(cluster.admin.user)} LOGIN CREATEROLE CREATEDB PASSWORD ${pg.escapeLiteral(cluster.admin.password)}`,
        );
        await cluster.grantPgaudit();
        return cluster;
    } catch (e) {
        cluster.killSync();
        throw e;
    }
}

function postgresUser(): { uid: number; gid: number } {
    const out = spawnSync("id", ["-u", "postgres"], { encoding: "utf8" });
    const outG = spawnSync("id", ["-g", "postgres"], { encoding: "utf8" });
    if (out.status !== 0 || outG.status !== 0) throw new Error("running as root but there is no `postgres` OS user");
    return { uid: Number(out.stdout.trim()), gid: Number(outG.stdout.trim()) };
}
