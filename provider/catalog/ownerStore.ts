/**
 * The owner table, `pulumi_aiven_pgaudit.scope_owner` in the connection's database: which
 * resource owns each scope (core/ownership.ts decides). Read under a transaction-scoped advisory
 * lock, in the same transaction as the scope's ALTERs, and written in the same batch as them, so
 * that a record and the settings it vouches for land together. One statement for any number of
 * scopes. Placeholder parameters (`ALTER ROLE … SET pulumi_pgaudit.owner`) would live beside the
 * settings, but avnadmin may not set them on PostgreSQL 15 without a parameter grant (measured:
 * `permission denied to set parameter`).
 */
import type pg from "pg";
import { escapeLiteral } from "pg";
import type { Session } from "../connection";
import { PgAuditSettingError } from "../../model/errors";
import { newOwnerId, ownedElsewhere, UNKNOWN_STACK, type OwnerLabel, type OwnerRecord } from "../../model/ownership";
import { runStatements } from "./scopeStore";

export const OWNER_TABLE = "pulumi_aiven_pgaudit.scope_owner";

/** pg_advisory_xact_lock's two keys: "pgau" and 1. Serializes owner decisions per database. */
const LOCK = "pg_catalog.pg_advisory_xact_lock(1885823349, 1)";

const TABLE_STATE_SQL = `
SELECT c.oid IS NOT NULL AS table_exists,
       COALESCE(pg_catalog.pg_has_role(c.relowner, 'USAGE') AND pg_catalog.pg_has_role(n.nspowner, 'USAGE'), false) AS ours,
       COALESCE((SELECT bool_and(r.rolsuper OR r.rolcreaterole) FROM pg_catalog.pg_roles r WHERE r.oid IN (c.relowner, n.nspowner)), false) AS admin_owned,
       COALESCE(pg_catalog.has_schema_privilege(n.oid, 'USAGE') AND pg_catalog.has_table_privilege(c.oid, 'SELECT')
                AND pg_catalog.has_table_privilege(c.oid, 'INSERT') AND pg_catalog.has_table_privilege(c.oid, 'UPDATE')
                AND pg_catalog.has_table_privilege(c.oid, 'DELETE'), false) AS usable,
       pg_catalog.pg_get_userbyid(COALESCE(c.relowner, n.nspowner)) AS owner,
       pg_catalog.current_database() AS database,
       pg_catalog.current_user() AS me
  FROM (SELECT 1) one
  LEFT JOIN pg_catalog.pg_namespace n ON n.nspname = 'pulumi_aiven_pgaudit'
  LEFT JOIN pg_catalog.pg_class c ON c.relnamespace = n.oid AND c.relname = 'scope_owner'`;

interface TableStateRow {
    readonly table_exists: boolean;
    readonly ours: boolean;
    readonly admin_owned: boolean;
    readonly usable: boolean;
    readonly owner: string | null;
    readonly database: string;
    readonly me: string;
}

interface OwnerRow {
    readonly scope: string;
    readonly owner_id: string;
    readonly stack: string;
    readonly resource: string;
    readonly claimed_at: string;
}

const CREATE_SQL = `BEGIN;
SELECT ${LOCK};
CREATE SCHEMA IF NOT EXISTS pulumi_aiven_pgaudit;
REVOKE ALL ON SCHEMA pulumi_aiven_pgaudit FROM PUBLIC;
CREATE TABLE IF NOT EXISTS ${OWNER_TABLE} (
  scope text NOT NULL,
  owner_id text NOT NULL,
  stack text NOT NULL,
  resource text NOT NULL,
  claimed_at timestamptz NOT NULL DEFAULT pg_catalog.now(),
  PRIMARY KEY (scope, owner_id)
);
COMMIT`;

/**
 * Makes sure the table exists (`create`; else only says whether it does) and can be trusted: owned
 * by the connecting role or an administrative one. Without the table there are no records, so a
 * delete, a refresh or exclusive mode need not create it (and a stack of the previous version
 * keeps working where the role may not create schemas). A table found is remembered per pool.
 */
export async function ensureOwnerTable(
    session: Session,
    create = true,
    fix = "connect to a database the connecting role owns (on Aiven, defaultdb, owned by avnadmin), or GRANT CREATE ON DATABASE that database to it",
): Promise<boolean> {
    // A per-pool box: once the table is known, no call asks again (a missing one is asked each time).
    const known = await session.memo("owner-table-known", async () => ({ present: false }));
    if (known.present) return true;
    if (!create) {
        const { rows } = await session.client.query<TableStateRow>(TABLE_STATE_SQL);
        if (!rows[0].table_exists) return false;
    }
    await session.memo("owner-table", async () => {
        const state = async () => (await session.client.query<TableStateRow>(TABLE_STATE_SQL)).rows[0];
        let found = await state();
        if (!found.table_exists) {
            try {
                await session.client.query(CREATE_SQL);
            } catch (err) {
                await session.client.query("ROLLBACK").catch(() => undefined);
                const e = err as { code?: string; message?: string };
                throw new PgAuditSettingError(
                    `recording which resource owns each scope needs the table ${OWNER_TABLE} in database ${JSON.stringify(found.database)}, ` +
                        `and creating it failed: ${e.message ?? String(err)}. Fix: ${fix}`,
                    e.code,
                );
            }
            found = await state();
        }
        // Only an administrative role (CREATEROLE, as avnadmin) may have made it: records an
        // application role forged could hide its own override from exclusive mode.
        if (!found.ours && !found.admin_owned) {
            throw new PgAuditSettingError(
                `${OWNER_TABLE} in database ${JSON.stringify(found.database)} belongs to role ${JSON.stringify(found.owner)}, which is not an administrative role: its records cannot be trusted. ` +
                    `Fix: have it drop the schema pulumi_aiven_pgaudit, so that the next up creates it anew`,
            );
        }
        if (!found.usable) {
            throw new PgAuditSettingError(
                `role ${JSON.stringify(found.me)} may not read and write ${OWNER_TABLE} in database ${JSON.stringify(found.database)}, where role ${JSON.stringify(found.owner)} records which resource owns each scope. ` +
                    `Fix: as ${JSON.stringify(found.owner)}, GRANT USAGE ON SCHEMA pulumi_aiven_pgaudit TO ${JSON.stringify(found.me)}; GRANT SELECT, INSERT, UPDATE, DELETE ON ${OWNER_TABLE} TO ${JSON.stringify(found.me)}`,
                "42501",
            );
        }
    });
    known.present = true;
    return true;
}

const keysArray = (keys: readonly string[]) => `ARRAY[${keys.map((k) => escapeLiteral(k)).join(",")}]::text[]`;

function toRecord(row: OwnerRow): OwnerRecord {
    return { scope: row.scope, ownerId: row.owner_id, stack: row.stack, resource: row.resource, claimedAt: row.claimed_at };
}

/**
 * Opens the transaction, takes the owner lock and reads the records of `keys` (every record when
 * `keys` is "all"), in one round trip; with no table (`present` false), no records. The caller
 * ends it with COMMIT or ROLLBACK.
 */
export async function beginOwned(client: pg.ClientBase, keys: readonly string[] | "all", present = true): Promise<OwnerRecords> {
    if (!present) {
        await client.query("BEGIN");
        return { of: () => [] };
    }
    const where = keys === "all" ? "" : ` WHERE scope = ANY(${keysArray(keys)})`;
    const results = (await client.query(
        `BEGIN; SELECT ${LOCK}; SELECT scope, owner_id, stack, resource, pg_catalog.to_char(claimed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS') AS claimed_at FROM ${OWNER_TABLE}${where}`,
    )) as unknown as pg.QueryResult<OwnerRow>[];
    const byScope = new Map<string, OwnerRecord[]>();
    for (const row of results[results.length - 1].rows) {
        const record = toRecord(row);
        byScope.set(record.scope, [...(byScope.get(record.scope) ?? []), record]);
    }
    return { of: (key) => byScope.get(key) ?? [] };
}

/** Every holder of a scope, read under the owner lock. */
export interface OwnerRecords {
    of(key: string): readonly OwnerRecord[];
}

/** One statement: `ownerId` holds `keys` (a label change updates its rows; claimed_at stays). */
export function claimSql(keys: readonly string[], ownerId: string, label: OwnerLabel | undefined): string | undefined {
    if (keys.length === 0) return undefined;
    const stack = escapeLiteral(label?.stack ?? UNKNOWN_STACK);
    const resource = escapeLiteral(label?.resource ?? "a resource created before owner records");
    return (
        `INSERT INTO ${OWNER_TABLE} AS o (scope, owner_id, stack, resource) SELECT k, ${escapeLiteral(ownerId)}, ${stack}, ${resource} FROM pg_catalog.unnest(${keysArray(keys)}) AS k ` +
        `ON CONFLICT (scope, owner_id) DO UPDATE SET stack = EXCLUDED.stack, resource = EXCLUDED.resource ` +
        `WHERE (o.stack, o.resource) IS DISTINCT FROM (EXCLUDED.stack, EXCLUDED.resource)`
    );
}

/** One statement: adopt removes these holders (scope, owner id) of other stacks. */
export function evictSql(pairs: readonly (readonly [string, string])[]): string | undefined {
    if (pairs.length === 0) return undefined;
    return (
        `DELETE FROM ${OWNER_TABLE} WHERE (scope, owner_id) IN (SELECT * FROM ROWS FROM (pg_catalog.unnest(` +
        `${keysArray(pairs.map((p) => p[0]))}), pg_catalog.unnest(${keysArray(pairs.map((p) => p[1]))})))`
    );
}

/** One statement: `ownerId` no longer holds `keys`. */
export function releaseSql(keys: readonly string[], ownerId: string | undefined): string | undefined {
    if (keys.length === 0 || ownerId === undefined) return undefined;
    return `DELETE FROM ${OWNER_TABLE} WHERE owner_id = ${escapeLiteral(ownerId)} AND scope = ANY(${keysArray(keys)})`;
}

/**
 * A one-scope resource's refresh, under the owner lock: undefined when another resource holds the
 * key or `look` finds nothing there; otherwise what it found, and the owner id, which a state
 * written before owner records gets (and the table records) now.
 */
export async function readOwned<T>(
    session: Session,
    key: string,
    state: { readonly ownerId?: string; readonly owner?: OwnerLabel },
    look: (client: pg.ClientBase) => Promise<T | undefined>,
): Promise<{ found: T; ownerId?: string } | undefined> {
    const present = await ensureOwnerTable(session, false);
    const { client } = session;
    try {
        const records = await beginOwned(client, [key], present);
        const found = ownedElsewhere(records.of(key), state.ownerId) ? undefined : await look(client);
        if (found === undefined) {
            await client.query("ROLLBACK");
            return undefined;
        }
        let ownerId = state.ownerId;
        if (ownerId === undefined && present) {
            ownerId = newOwnerId();
            await runStatements(client, [claimSql([key], ownerId, state.owner)!]);
        }
        await client.query("COMMIT");
        return { found, ownerId };
    } catch (err) {
        await client.query("ROLLBACK").catch(() => undefined);
        throw err;
    }
}
