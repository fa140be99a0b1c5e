/**
 * A throwaway PostgreSQL cluster (optionally with pgaudit preloaded) for the tests, the demo and
 * the bench: 15 by default, from the host's packages; another major (17, 18: the versions Aiven
 * runs) by option or PGAUDIT_TEST_PG, from the host if installed, else inside a Debian root
 * (debianRoot.ts) run with chroot as the root's own `postgres` user, reached over TCP like any.
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
import { rootPostgresUser } from "./debianRoot";
import { ensurePostgres, parseMajor, type PostgresInstallation } from "./postgresInstall";

/** The major a cluster runs when no option says: PGAUDIT_TEST_PG (how the test matrix picks it), else 15. */
export function defaultMajor(env: NodeJS.ProcessEnv = process.env): number {
    return env.PGAUDIT_TEST_PG ? parseMajor(env.PGAUDIT_TEST_PG, "PGAUDIT_TEST_PG") : 15;
}

export interface StartOptions {
    /** the PostgreSQL major version (default: defaultMajor()); kept across restarts */
    major?: number;
    /** hears what is slow the first time (installing packages, making a Debian root) */
    progress?: (message: string) => void;
    /** shared_preload_libraries=pgaudit (default true) */
    pgaudit?: boolean;
    /** extra -c settings, e.g. { "pgaudit.log": "ddl" } */
    settings?: Record<string, string>;
    /**
     * pg_hba lines tried before the cluster's own (local trust, TCP scram-sha-256), e.g.
     * `host all clear_user 127.0.0.1/32 password` to test how a client answers cleartext or md5.
     */
    hba?: readonly string[];
}

interface AdminConnection {
    host: string;
    port: number;
    user: string;
    password: string;
    database: string;
    sslMode: "disable";
}

export interface TestCluster {
    /** the PostgreSQL major version the server runs */
    readonly major: number;
    readonly host: "127.0.0.1";
    /** a free TCP port chosen at start (kept across restarts) */
    readonly port: number;
    /** unix socket dir (a path on this host, inside the Debian root when there is one), auth trust for local connections */
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
    sql<T = Record<string, unknown>>(text: string, params?: unknown[], database?: string): Promise<T[]>;
    /**
     * run SQL as avnadmin over TCP (new connection each call); returns rows. Roles it creates are
     * ones avnadmin administers (on 16+ it holds ADMIN OPTION on them), as roles made on Aiven are.
     */
    adminSql<T = Record<string, unknown>>(text: string, params?: unknown[], database?: string): Promise<T[]>;
    /** open a NEW session as `role` into `database` over the unix socket (trust auth); caller ends it */
    connectAs(role: string, database: string, applicationName?: string): Promise<pg.Client>;
    /**
     * Write a file the server must read (a TLS key, say) into the cluster's dir, owned by the
     * server's OS user, mode 0600 by default; returns its path as the server sees it (for -c settings).
     */
    serverFile(name: string, contents: string | Buffer, mode?: number): string;
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

const isRoot = process.getuid?.() === 0;
const execFileAsync = promisify(execFile);

/**
 * initdb and pg_ctl refuse to run as root, so as root they run as the `postgres` OS user: the
 * host's, or inside a Debian root the root's own (by number, with a clean environment: the
 * host's locale may not exist there).
 */
function pgCommand(install: PostgresInstallation, bin: string, args: string[]): [string, string[]] {
    const file = path.join(install.binDir, bin);
    if (install.root !== undefined) {
        const { uid, gid } = rootPostgresUser(install.root);
        return ["chroot", [`--userspec=${uid}:${gid}`, install.root, "/usr/bin/env", "-i", "PATH=/usr/bin:/bin", "LANG=C.UTF-8", file, ...args]];
    }
    return isRoot ? ["runuser", ["-u", "postgres", "--", file, ...args]] : [file, args];
}

async function run(install: PostgresInstallation, bin: string, args: string[], cwd: string): Promise<void> {
    const [file, argv] = pgCommand(install, bin, args);
    try {
        // cwd: the postgres OS user may not be able to read the test's working directory.
        await execFileAsync(file, argv, { cwd, maxBuffer: 16 * 1024 * 1024 });
    } catch (e) {
        const err = e as Error & { stderr?: string; stdout?: string };
        throw new Error(`${bin} ${args.join(" ")} failed: ${err.message}\n${err.stdout ?? ""}${err.stderr ?? ""}`, { cause: e });
    }
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
    readonly major: number;
    readonly dataDir: string;
    readonly logFile: string;
    readonly admin: { user: "avnadmin"; password: string };
    private stopped = false;
    private seq = 0;

    /**
     * `socketDir` is the cluster's dir as this host sees it, `serverDir` the same dir as the server
     * sees it (they differ inside a Debian root).
     */
    constructor(
        readonly install: PostgresInstallation,
        readonly port: number,
        readonly socketDir: string,
        private readonly serverDir: string,
    ) {
        this.major = install.major;
        this.dataDir = path.join(socketDir, "data");
        this.logFile = path.join(socketDir, "server.log");
        this.admin = { user: "avnadmin", password: randomBytes(16).toString("hex") };
    }

    private serverPath(name: string): string {
        return path.posix.join(this.serverDir, name);
    }

    adminUri(database = "postgres"): string {
        const { user, password } = this.admin;
        return `postgresql://${user}:${encodeURIComponent(password)}@${this.host}:${this.port}/${encodeURIComponent(database)}?sslmode=disable`;
    }

    adminConnection(database = "postgres"): AdminConnection {
        const { user, password } = this.admin;
        return { host: this.host, port: this.port, user, password, database, sslMode: "disable" };
    }

    async sql<T = Record<string, unknown>>(text: string, params?: unknown[], database = "postgres"): Promise<T[]> {
        const client = await this.connectAs("postgres", database, "cluster-sql");
        try {
            return (await client.query(text, params)).rows as T[];
        } finally {
            await client.end();
        }
    }

    async adminSql<T = Record<string, unknown>>(text: string, params?: unknown[], database = "postgres"): Promise<T[]> {
        const client = new pg.Client({ ...this.adminConnection(database), application_name: "cluster-admin-sql" });
        await client.connect();
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

    serverFile(name: string, contents: string | Buffer, mode = 0o600): string {
        if (path.basename(name) !== name) throw new Error(`serverFile takes a file name, not a path: ${JSON.stringify(name)}`);
        const file = path.join(this.socketDir, name);
        fs.writeFileSync(file, contents, { mode });
        fs.chmodSync(file, mode);
        if (isRoot) {
            const { uid, gid } = serverUser(this.install);
            fs.chownSync(file, uid, gid);
        }
        return this.serverPath(name);
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
        if (opts.hba !== undefined) {
            const lines = [...opts.hba, "local all all trust", "host all all 127.0.0.1/32 scram-sha-256", "host all all ::1/128 scram-sha-256"];
            settings.hba_file = this.serverFile("test_hba.conf", lines.join("\n") + "\n");
        }
        const o = [`-p ${this.port}`, `-k ${shellQuote(this.serverDir)}`];
        for (const [name, value] of Object.entries(settings)) {
            if (!/^[A-Za-z_][A-Za-z0-9_.]*$/.test(name)) throw new Error(`invalid setting name ${JSON.stringify(name)}`);
            o.push(`-c ${shellQuote(`${name}=${value}`)}`);
        }
        try {
            await run(
                this.install,
                "pg_ctl",
                ["start", "-w", "-D", this.serverPath("data"), "-l", this.serverPath("server.log"), "-o", o.join(" ")],
                this.socketDir,
            );
        } catch (e) {
            throw new Error(`${(e as Error).message}\n--- server log tail ---\n${this.logTail()}`, { cause: e });
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
        await run(this.install, "pg_ctl", ["stop", "-w", "-m", "fast", "-D", this.serverPath("data")], this.socketDir);
        await this.start(opts);
        await this.grantPgaudit();
    }

    private lastOptions: StartOptions = {};

    async halt(): Promise<void> {
        await run(this.install, "pg_ctl", ["stop", "-w", "-m", "fast", "-D", this.serverPath("data")], this.socketDir);
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
                await run(this.install, "pg_ctl", ["stop", "-w", "-m", "fast", "-D", this.serverPath("data")], this.socketDir);
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
        const [file, argv] = pgCommand(this.install, "pg_ctl", ["stop", "-w", "-m", "immediate", "-D", this.serverPath("data")]);
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
    const install = await ensurePostgres(opts.major ?? defaultMajor(), opts.progress);
    // One temp dir holds the socket, the log and the data dir; removed by stop(). In a Debian root
    // it is under the root's /tmp, so the server sees it as /tmp/pgtest-… and this host by its full path.
    const tmp = install.root === undefined ? os.tmpdir() : path.join(install.root, "tmp");
    const dir = fs.mkdtempSync(path.join(tmp, "pgtest-"));
    const serverDir = install.root === undefined ? dir : path.posix.join("/tmp", path.basename(dir));
    const port = await freePort();
    const socketPath = path.join(dir, `.s.PGSQL.${port}`);
    if (Buffer.byteLength(socketPath) > 107) {
        fs.rmSync(dir, { recursive: true, force: true });
        throw new Error(
            `the cluster's socket path ${socketPath} is longer than a unix socket allows (107 bytes): set PULUMI_AIVEN_PGAUDIT_CACHE to a shorter dir`,
        );
    }
    const cluster = new Cluster(install, port, dir, serverDir);
    running.add(cluster);
    try {
        // Pre-create the log so it stays readable by this process (pg_ctl appends to it).
        fs.writeFileSync(cluster.logFile, "", { mode: 0o644 });
        if (isRoot) {
            const { uid, gid } = serverUser(install);
            fs.chownSync(dir, uid, gid);
            fs.chownSync(cluster.logFile, uid, gid);
        }
        await run(
            install,
            "initdb",
            ["-D", path.posix.join(serverDir, "data"), "-U", "postgres", "--auth-local=trust", "--auth-host=scram-sha-256", "-E", "UTF8", "--locale=C.UTF-8"],
            dir,
        );
        await cluster.start(opts);
        await cluster.sql(
            `CREATE ROLE ${pg.escapeIdentifier(cluster.admin.user)} LOGIN CREATEROLE CREATEDB PASSWORD ${pg.escapeLiteral(cluster.admin.password)}`,
        );
        await cluster.grantPgaudit();
        // On Aiven avnadmin may create schemas in defaultdb, the database it connects to (the
        // owner records live there); here it connects to postgres.
        await cluster.sql(`GRANT CREATE ON DATABASE postgres TO ${pg.escapeIdentifier(cluster.admin.user)}`);
        return cluster;
    } catch (e) {
        cluster.killSync();
        throw e;
    }
}

/** The OS user the server runs as: the host's `postgres`, or the root's own. */
function serverUser(install: PostgresInstallation): { uid: number; gid: number } {
    return install.root === undefined ? postgresUser() : rootPostgresUser(install.root);
}

function postgresUser(): { uid: number; gid: number } {
    const out = spawnSync("id", ["-u", "postgres"], { encoding: "utf8" });
    const outG = spawnSync("id", ["-g", "postgres"], { encoding: "utf8" });
    if (out.status !== 0 || outG.status !== 0) throw new Error("running as root but there is no `postgres` OS user");
    return { uid: Number(out.stdout.trim()), gid: Number(outG.stdout.trim()) };
}
