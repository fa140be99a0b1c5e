/**
 * Reads and writes scopes' pgaudit entries over a session: the queries behind create, read,
 * update and delete of PgAuditSetting and PgAuditScopes (and the server facts and atomic writes
 * PgAuditObjectAudit uses too). Planning is pure (core/scopePlan.ts); this file only runs what was planned.
 */
import pg from "pg";
import type { Session } from "../connection";
import { explainPgError } from "../serverErrors";
import type { ServerFacts, StoredEntries } from "../core/scopePlan";
import { describeScope, type Scope } from "../../model/scope";
import { splitSetconfigEntry } from "../../model/sql";

/**
 * One round trip for any number of scopes: for each, in the order given, whether its database and
 * role exist and its stored settings. $1 = databases, $2 = roles (same length, NULL where a scope
 * has none); 0 stands for "any" in the catalog. Catalog relations and functions are qualified with
 * pg_catalog besides the pinned search_path (connection.ts); `unnest(a, b)` in FROM is syntax
 * (ROWS FROM) and cannot be, so the pin alone covers it, as it covers operators and type names.
 */
const READ_SCOPES_SQL = `
WITH target AS (
  SELECT t.i,
         t.db IS NULL OR d.oid IS NOT NULL AS database_exists,
         t.role IS NULL OR r.oid IS NOT NULL AS role_exists,
         CASE WHEN t.db IS NULL THEN 0::oid ELSE d.oid END AS db,
         CASE WHEN t.role IS NULL THEN 0::oid ELSE r.oid END AS role
    FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS t(db, role, i)
    LEFT JOIN pg_catalog.pg_database d ON d.datname = t.db
    LEFT JOIN pg_catalog.pg_roles r ON r.rolname = t.role
)
SELECT x.database_exists, x.role_exists, COALESCE(s.setconfig, '{}'::text[]) AS setconfig
  FROM target x
  LEFT JOIN pg_catalog.pg_db_role_setting s ON s.setdatabase = x.db AND s.setrole = x.role
 ORDER BY x.i`;

/** What the server is and who we are on it: asked once per connection pool. */
const SERVER_FACTS_SQL = `
SELECT pg_catalog.current_setting('server_version_num')::int AS version_num,
       pg_catalog.current_setting('server_version') AS version,
       current_user AS current_user,
       (SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user) AS superuser,
       ARRAY(SELECT name FROM pg_catalog.pg_settings WHERE name LIKE 'pgaudit.%' ORDER BY name) AS pgaudit_parameters`;

export interface ScopeSnapshot {
    /** False when the scope's database or role no longer exists. */
    readonly exists: boolean;
    readonly missing?: string;
    /** The scope's pgaudit.* entries, exactly as stored; other parameters are never kept here. */
    readonly entries: StoredEntries;
}

interface ServerFactsRow {
    readonly version_num: number;
    readonly version: string;
    readonly current_user: string;
    readonly superuser: boolean | null;
    readonly pgaudit_parameters: string[];
}

interface ScopeRow {
    readonly database_exists: boolean;
    readonly role_exists: boolean;
    readonly setconfig: string[];
}

/** The server's version, our role and its pgaudit parameters, once per pool. */
export function readServerFacts(session: Session): Promise<ServerFacts> {
    return session.memo("server-facts", async () => {
        const { rows } = await session.client.query<ServerFactsRow>(SERVER_FACTS_SQL);
        const row = rows[0];
        return {
            versionNum: row.version_num,
            version: row.version,
            currentUser: row.current_user,
            superuser: row.superuser === true,
            pgauditParameters: row.pgaudit_parameters,
        };
    });
}

/** Every scope's snapshot in one query, in the order given. */
export async function readScopes(client: pg.ClientBase, scopes: readonly Scope[]): Promise<ScopeSnapshot[]> {
    if (scopes.length === 0) return [];
    const { rows } = await client.query<ScopeRow>(READ_SCOPES_SQL, [scopes.map((s) => s.database ?? null), scopes.map((s) => s.role ?? null)]);
    return rows.map((row, i) => {
        const scope = scopes[i];
        if (!row.database_exists || !row.role_exists) {
            const missing = !row.database_exists ? `database ${JSON.stringify(scope.database)}` : `role ${JSON.stringify(scope.role)}`;
            return { exists: false, missing, entries: new Map() };
        }
        const entries = new Map<string, string>();
        for (const entry of row.setconfig) {
            const [name, value] = splitSetconfigEntry(entry);
            if (name.startsWith("pgaudit.")) entries.set(name, value);
        }
        return { exists: true, entries };
    });
}

export async function readScope(client: pg.ClientBase, scope: Scope): Promise<ScopeSnapshot> {
    return (await readScopes(client, [scope]))[0];
}

/**
 * Runs `work` on the session's client, explaining any server error for the scope. The writes
 * themselves are atomic through runStatements, so no explicit transaction (and no two extra
 * round trips for BEGIN and COMMIT) is needed.
 */
export async function explainedFor<T>(session: Session, user: string, scope: Scope, action: string, work: (client: pg.ClientBase) => Promise<T>): Promise<T> {
    try {
        return await work(session.client);
    } catch (err) {
        throw explainPgError(err, { action: `${action} ${describeScope(scope)}`, user });
    }
}

/**
 * Sends all of a resource's statements as one simple-protocol query: PostgreSQL runs the
 * statements of one Query message as a single transaction, so they land together or not at all,
 * in one round trip. Each statement is built only from escaped names and literals (core/sql.ts).
 */
export async function runStatements(client: pg.ClientBase, statements: readonly string[]): Promise<void> {
    if (statements.length > 0) await client.query(statements.join(";\n"));
}

/** A statement of a batch failed, or the session ended while it ran: `index` says which. */
export class BatchFailure extends Error {
    constructor(
        readonly index: number,
        override readonly cause: unknown,
    ) {
        super(cause instanceof Error ? cause.message : String(cause));
    }
}

/** The hook of node-postgres's Query (the Submittable protocol) called once per finished statement. */
interface CommandCompleteHook {
    handleCommandComplete(msg: unknown, connection: unknown): void;
}

/**
 * Sends statements as one simple-protocol query (one round trip, whatever their number) and, if
 * one fails or the session ends, says which: PostgreSQL answers each finished statement with a
 * CommandComplete, so the failing one is the first without. Inside a transaction the batch ends
 * with its COMMIT, so a failure anywhere leaves nothing applied.
 */
export async function runBatch(client: pg.ClientBase, statements: readonly string[]): Promise<void> {
    if (statements.length === 0) return;
    let completed = 0;
    const query = new pg.Query(statements.join(";\n"));
    const hook = query as unknown as CommandCompleteHook;
    const complete = hook.handleCommandComplete.bind(query);
    hook.handleCommandComplete = (msg, connection) => {
        completed += 1;
        complete(msg, connection);
    };
    await new Promise<void>((resolve, reject) => {
        query.on("end", () => resolve());
        query.on("error", (err) => reject(new BatchFailure(Math.min(completed, statements.length - 1), err)));
        client.query(query);
    });
}
