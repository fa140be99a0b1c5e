/**
 * The one place that opens connections to PostgreSQL: a small pool per server, database and
 * credentials, reused for the life of the provider process (the engine sends many operations to
 * one process), TLS as the connection asks, and bounded retries while a service is starting.
 */
import { createHash } from "node:crypto";
import { isIP } from "node:net";
import { checkServerIdentity, type ConnectionOptions } from "node:tls";
import pg from "pg";
import { describeConnection, PROJECT_CA_AT_UP, type ResolvedConnection } from "../model/connectionSpec";
import { PgAuditSettingError } from "../model/errors";
import { isTransientConnectError, SESSION_BOUNDS } from "./serverErrors";

/** Two connections per database serve the engine's ten operations in flight well (see bench). */
const POOL_SIZE = 2;
/** One attempt may take this long before it counts as failed and is retried. */
const ATTEMPT_TIMEOUT_MS = 10_000;
const FIRST_BACKOFF_MS = 100;
const MAX_BACKOFF_MS = 3_000;

/**
 * Sent in the startup packet, so it outranks every `ALTER DATABASE/ROLE … SET search_path` (a
 * client setting beats them at login) before our first query runs: a database owner's schema
 * cannot shadow the catalog, a function or an operator (CVE-2018-1058). pg_temp last, so not even
 * our own temporary objects can.
 */
/**
 * A statement may wait this long for a lock another session holds (an open transaction that
 * altered the same role, a LOCK TABLE) before it fails with 55P03, instead of hanging `up`.
 */
const LOCK_TIMEOUT_SECONDS = SESSION_BOUNDS.lockTimeoutSeconds;
/** No single statement of ours runs longer than this (57014): catalog reads and ALTER … SET are milliseconds. */
const STATEMENT_TIMEOUT_SECONDS = SESSION_BOUNDS.statementTimeoutSeconds;

/**
 * Sent in the startup packet, so it outranks every `ALTER DATABASE/ROLE … SET` of these (a client
 * setting beats them at login) before our first query runs: a database owner's schema cannot
 * shadow the catalog, a function or an operator (CVE-2018-1058), pg_temp last so not even our own
 * temporary objects can; and a role's `statement_timeout = 0` cannot unbound our waits.
 */
const SESSION_OPTIONS = [
    "-c search_path=pg_catalog,pg_temp",
    `-c lock_timeout=${LOCK_TIMEOUT_SECONDS * 1000}`,
    `-c statement_timeout=${STATEMENT_TIMEOUT_SECONDS * 1000}`,
].join(" ");

interface PoolEntry {
    readonly pool: pg.Pool;
    /** Per-pool memo for facts about the server (version, pgaudit parameters). */
    readonly memo: Map<string, Promise<unknown>>;
}

const pools = new Map<string, PoolEntry>();
let connectionsOpened = 0;

/** TLS options for node-postgres, following libpq's sslmode. */
export function tlsOptions(c: ResolvedConnection): false | ConnectionOptions {
    // Only a preview passes the placeholder, and a preview never connects: refuse, never trust it.
    if (c.caCert === PROJECT_CA_AT_UP) throw new PgAuditSettingError(`caCert: ${PROJECT_CA_AT_UP}; got it outside a preview, so no session was opened`);
    const ca = c.caCert !== undefined ? { ca: c.caCert } : {};
    switch (c.sslMode) {
        case "disable":
            return false;
        case "require":
            // libpq verifies the chain under `require` when a root certificate is given.
            return c.caCert !== undefined ? { ...ca, rejectUnauthorized: true, checkServerIdentity: () => undefined } : { rejectUnauthorized: false };
        case "verify-ca":
            return { ...ca, rejectUnauthorized: true, checkServerIdentity: () => undefined };
        case "verify-full":
            // The identity is checked against the host as given, an IP address included; SNI
            // (servername) may only carry a DNS name (RFC 6066), so an IP is not sent there.
            return {
                ...ca,
                rejectUnauthorized: true,
                ...(isIP(c.host) === 0 ? { servername: c.host } : {}),
                checkServerIdentity: (_servername, cert) => checkServerIdentity(c.host, cert),
            };
    }
}

/** Whether TLS proves who the server is (a CA is given, or sslMode verifies): only then may it see a password or its MD5. */
function serverVerified(c: ResolvedConnection): boolean {
    return c.sslMode === "verify-ca" || c.sslMode === "verify-full" || (c.sslMode === "require" && c.caCert !== undefined);
}

/**
 * A client that answers a password request only when it cannot leak the password: SCRAM always
 * (the server learns nothing it could replay), cleartext and MD5 only from a verified server,
 * as libpq's `require_auth=scram-sha-256` would. node-postgres asks a password function at each
 * request, after its connection has emitted which method the server wants; refusing there makes
 * `connect()` fail before a byte of the password leaves.
 */
function guardedClientClass(c: ResolvedConnection): new (config: pg.ClientConfig) => pg.Client {
    const verified = serverVerified(c);
    const password = c.password;
    return class GuardedClient extends pg.Client {
        constructor(config: pg.ClientConfig) {
            let asked: "cleartext" | "md5" | undefined;
            super({
                ...config,
                password: () => {
                    if (asked !== undefined && !verified) throw passwordRequestRefused(c, asked);
                    return password ?? "";
                },
            });
            this.connection.on("authenticationCleartextPassword", () => (asked = "cleartext"));
            this.connection.on("authenticationMD5Password", () => (asked = "md5"));
        }
    };
}

function passwordRequestRefused(c: ResolvedConnection, method: "cleartext" | "md5"): PgAuditSettingError {
    const what =
        method === "cleartext"
            ? "the password in clear text (AuthenticationCleartextPassword)"
            : "an MD5 hash of the password (AuthenticationMD5Password), which whoever sits in between can replay or crack";
    return new PgAuditSettingError(
        `${describeConnection(c)} asked for ${what}, but TLS does not verify that server (sslMode ${c.sslMode}${c.caCert === undefined ? " without caCert" : ""}), ` +
            `so the password was not sent. Fix: give caCert (Aiven: aiven.getProject().caCert; sslMode then defaults to verify-full), ` +
            `or make the server use SCRAM for this role (password_encryption = 'scram-sha-256', set the password again, pg_hba method scram-sha-256)`,
    );
}

/** Pools are keyed by everything that makes a session different, the secrets only as a hash. */
function poolKey(c: ResolvedConnection): string {
    const secret = createHash("sha256")
        .update(JSON.stringify([c.password ?? null, c.caCert ?? null]))
        .digest("hex");
    return JSON.stringify([c.host, c.port, c.user, c.database, c.sslMode, secret]);
}

function poolFor(c: ResolvedConnection): PoolEntry {
    const key = poolKey(c);
    let entry = pools.get(key);
    if (!entry) {
        const pool = new pg.Pool({
            Client: guardedClientClass(c) as unknown as new () => pg.ClientBase,
            host: c.host,
            port: c.port,
            user: c.user,
            database: c.database,
            ssl: tlsOptions(c),
            max: POOL_SIZE,
            connectionTimeoutMillis: ATTEMPT_TIMEOUT_MS,
            idleTimeoutMillis: 5_000,
            // The provider process must be free to exit once the engine is done with it.
            allowExitOnIdle: true,
            application_name: "pulumi-aiven-pgaudit",
            options: SESSION_OPTIONS,
        });
        // An idle client losing its server must not crash the process; the next checkout reconnects.
        pool.on("error", () => undefined);
        pool.on("connect", () => {
            connectionsOpened += 1;
        });
        entry = { pool, memo: new Map() };
        pools.set(key, entry);
    }
    return entry;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Checks a client out, retrying transient failures with backoff until the deadline. */
async function connectWithRetry(entry: PoolEntry, c: ResolvedConnection, deadlineSeconds: number, deadlineName: string): Promise<pg.PoolClient> {
    const deadline = Date.now() + deadlineSeconds * 1000;
    let backoff = FIRST_BACKOFF_MS;
    for (let attempt = 1; ; attempt++) {
        try {
            return await entry.pool.connect();
        } catch (err) {
            if (!isTransientConnectError(err) || Date.now() + backoff > deadline) {
                const code = (err as { code?: string }).code;
                const reason = err instanceof Error ? err.message : String(err);
                const sqlState = code && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
                const tried = attempt > 1 ? ` after ${attempt} attempts in ${deadlineSeconds}s (raise ${deadlineName} for a slower start)` : "";
                throw new PgAuditSettingError(`could not connect to ${describeConnection(c)} (sslMode ${c.sslMode})${tried}: ${reason}`, sqlState);
            }
            await sleep(backoff);
            backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
        }
    }
}

/** A checked-out session plus a memo that lives as long as its pool. */
export interface Session {
    readonly client: pg.PoolClient;
    /** Runs `load` once per pool for `key` (a failed load is forgotten, so it is retried). */
    memo<T>(key: string, load: () => Promise<T>): Promise<T>;
}

/**
 * Runs `work` on a pooled session for `c`, always giving the session back. `deadlineName` is how
 * the caller's user sets the deadline, named in the error when it runs out.
 */
export async function withSession<T>(
    c: ResolvedConnection,
    deadlineSeconds: number,
    work: (session: Session) => Promise<T>,
    deadlineName = "connectDeadlineSeconds",
): Promise<T> {
    const entry = poolFor(c);
    const client = await connectWithRetry(entry, c, deadlineSeconds, deadlineName);
    const session: Session = {
        client,
        memo: <V>(key: string, load: () => Promise<V>) => {
            let p = entry.memo.get(key) as Promise<V> | undefined;
            if (!p) {
                p = load();
                entry.memo.set(key, p);
                p.catch(() => entry.memo.delete(key));
            }
            return p;
        },
    };
    // A server that stops while the session is checked out (a FATAL, then the socket closes) also
    // emits 'error' on the client, after the running query has already failed with it; pg-pool
    // listens only while a client is idle, so without this that would be an uncaught exception.
    let lost = false;
    const onLost = () => {
        lost = true;
    };
    client.on("error", onLost);
    let broken = false;
    try {
        return await work(session);
    } catch (err) {
        // A session that failed at the protocol level is not handed to the next operation.
        broken = !(err instanceof pg.DatabaseError || err instanceof PgAuditSettingError);
        throw err;
    } finally {
        client.removeListener("error", onLost);
        client.release(broken || lost);
    }
}

/** Counters for benchmarks and tests: server connections this process has opened. */
export function connectionStats(): { opened: number; pools: number } {
    return { opened: connectionsOpened, pools: pools.size };
}

/** Closes every pool (tests and one-shot tools; the provider host simply exits). */
export async function closeAllPools(): Promise<void> {
    const all = [...pools.values()];
    pools.clear();
    await Promise.all(all.map((e) => e.pool.end()));
}
