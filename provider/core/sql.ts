/**
 * The SQL text the provider sends. Every name and value goes through node-postgres's
 * escapeIdentifier / escapeLiteral; catalog look-ups take their names as bind parameters.
 */
import { escapeIdentifier, escapeLiteral } from "pg";

/** A database, a role, or a role in a database: where `ALTER … SET` stores a setting. */
export interface Scope {
    readonly database?: string;
    readonly role?: string;
}

export { describeScope } from "./scopeKey";

/** `pgaudit.log` as an identifier chain: each part quoted, so the name cannot carry SQL. */
export function parameterIdentifier(name: string): string {
    return name.split(".").map(escapeIdentifier).join(".");
}

/** The `ALTER …` head that addresses a scope. */
function alterScope(scope: Scope): string {
    if (scope.role !== undefined && scope.database !== undefined) {
        return `ALTER ROLE ${escapeIdentifier(scope.role)} IN DATABASE ${escapeIdentifier(scope.database)}`;
    }
    if (scope.role !== undefined) return `ALTER ROLE ${escapeIdentifier(scope.role)}`;
    if (scope.database !== undefined) return `ALTER DATABASE ${escapeIdentifier(scope.database)}`;
    throw new Error("a scope needs a database, a role, or both");
}

export function setParameterSql(scope: Scope, name: string, value: string): string {
    return `${alterScope(scope)} SET ${parameterIdentifier(name)} = ${escapeLiteral(value)}`;
}

export function resetParameterSql(scope: Scope, name: string): string {
    return `${alterScope(scope)} RESET ${parameterIdentifier(name)}`;
}

/**
 * One round trip for any number of scopes: for each, in the order given, whether its database and
 * role exist and its stored settings. $1 = databases, $2 = roles (same length, NULL where a scope
 * has none); 0 stands for "any" in the catalog. Catalog relations and functions are qualified with
 * pg_catalog besides the pinned search_path (connection.ts); `unnest(a, b)` in FROM is syntax
 * (ROWS FROM) and cannot be, so the pin alone covers it, as it covers operators and type names.
 */
export const READ_SCOPES_SQL = `
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
export const SERVER_FACTS_SQL = `
SELECT pg_catalog.current_setting('server_version_num')::int AS version_num,
       pg_catalog.current_setting('server_version') AS version,
       current_user AS current_user,
       (SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user) AS superuser,
       ARRAY(SELECT name FROM pg_catalog.pg_settings WHERE name LIKE 'pgaudit.%' ORDER BY name) AS pgaudit_parameters`;

/** Splits a `setconfig` entry ("name=value") at its first `=`, as PostgreSQL writes it. */
export function splitSetconfigEntry(entry: string): [name: string, value: string] {
    const eq = entry.indexOf("=");
    return eq < 0 ? [entry, ""] : [entry.slice(0, eq), entry.slice(eq + 1)];
}
