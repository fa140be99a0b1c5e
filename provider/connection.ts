/**
 * The one place that opens connections to PostgreSQL: a small pool per server, database and
 * credentials, reused for the life of the provider process (the engine sends many operations to
 * one process), TLS as the connection asks, and bounded retries while a service is starting.
 */
import { createHash } from "node:crypto";
import { isIP } from "node:net";
import { checkServerIdentity, type ConnectionOptions } from "node:tls";
import pg from "pg";
import { describeConnection, PROJECT_CA_AT_UP, type ResolvedConnection } from "./core/connectionSpec";
import { isTransientConnectError, PgAuditSettingError } from "./core/errors";

/** Two connections per database serve the engine's ten operations in flight well (see bench). */
const POOL_SIZE = 2;
/** One attempt may take this long before it counts as failed and is retried. */
const ATTEMPT_TIMEOUT_MS = 10_000;
const FIRST_BACKOFF_MS = 100;
const MAX_BACKOFF_MS = 3_000;

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
            host: c.host,
            port: c.port,
            user: c.user,
            password: c.password,
            database: c.database,
            ssl: tlsOptions(c),
            max: POOL_SIZE,
            connectionTimeoutMillis: ATTEMPT_TIMEOUT_MS,
            idleTimeoutMillis: 5_000,
            // The provider process must be free to exit once the engine is done with it.
            allowExitOnIdle: true,
            application_name: "pulumi-aiven-pgaudit",
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
