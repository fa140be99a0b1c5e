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

/** How a scope reads in messages: `database "app"`, `role "x" in database "app"`. */
export function describeScope(scope: Scope): string {
    const role = scope.role !== undefined ? `role ${JSON.stringify(scope.role)}` : undefined;
    const database = scope.database !== undefined ? `database ${JSON.stringify(scope.database)}` : undefined;
    return role && database ? `${role} in ${database}` : (role ?? database ?? "no scope");
}

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
 * One round trip for a scope: whether its database and role exist (oid NULL when not) and its
 * stored settings. $1 = database or NULL, $2 = role or NULL; 0 stands for "any" in the catalog.
 */
export const READ_SCOPE_SQL = `
WITH target AS (
  SELECT CASE WHEN $1::text IS NULL THEN 0::oid ELSE (SELECT oid FROM pg_database WHERE datname = $1::text) END AS db,
         CASE WHEN $2::text IS NULL THEN 0::oid ELSE (SELECT oid FROM pg_roles WHERE rolname = $2::text) END AS role
)
SELECT t.db IS NOT NULL AS database_exists,
       t.role IS NOT NULL AS role_exists,
       COALESCE(s.setconfig, '{}'::text[]) AS setconfig
  FROM target t
  LEFT JOIN pg_db_role_setting s ON s.setdatabase = t.db AND s.setrole = t.role`;

/** What the server is and who we are on it: asked once per connection pool. */
export const SERVER_FACTS_SQL = `
SELECT current_setting('server_version_num')::int AS version_num,
       current_setting('server_version') AS version,
       current_user AS current_user,
       (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) AS superuser,
       ARRAY(SELECT name FROM pg_settings WHERE name LIKE 'pgaudit.%' ORDER BY name) AS pgaudit_parameters`;

/** Splits a `setconfig` entry ("name=value") at its first `=`, as PostgreSQL writes it. */
export function splitSetconfigEntry(entry: string): [name: string, value: string] {
    const eq = entry.indexOf("=");
    return eq < 0 ? [entry, ""] : [entry.slice(0, eq), entry.slice(eq + 1)];
}
