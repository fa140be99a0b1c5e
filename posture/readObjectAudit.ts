/**
 * Reads object audit where it matters: in each database where some login role gets a
 * pgaudit.role, the privileges of those audit roles (direct, and through roles they inherit
 * from, as pgaudit counts them); and, for `--require-object`, whether each database holds the
 * required tables. One session and at most two queries per database read; none when no
 * pgaudit.role is set anywhere and no table is required. Names travel only as bind parameters.
 */
import { withSession } from "../provider/connection";
import type { ResolvedConnection } from "../model/connectionSpec";
import { AUDITABLE_RELKINDS, type TableName } from "../model/objectAudit";
import type { AuditPosture, DatabaseObjectAudit, ObjectGrant } from "./model";

/** Privileges pgaudit's object audit looks at, granted to each audit role or a role it inherits from (pgaudit skips PUBLIC). */
const GRANTS_SQL = `
WITH audit AS (SELECT r.oid, r.rolname::text AS name FROM pg_catalog.pg_roles r WHERE r.rolname = ANY($1::text[])),
acl AS (
  SELECT n.nspname::text AS schema, c.relname::text AS "table", NULL::text AS "column", a.grantee, pg_catalog.lower(a.privilege_type) AS privilege
    FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace CROSS JOIN LATERAL pg_catalog.aclexplode(c.relacl) a
   WHERE c.relkind = ANY($2::"char"[])
  UNION ALL
  SELECT n.nspname::text, c.relname::text, at.attname::text, a.grantee, pg_catalog.lower(a.privilege_type)
    FROM pg_catalog.pg_attribute at JOIN pg_catalog.pg_class c ON c.oid = at.attrelid JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
   CROSS JOIN LATERAL pg_catalog.aclexplode(at.attacl) a
   WHERE c.relkind = ANY($2::"char"[]) AND at.attnum > 0 AND NOT at.attisdropped
)
SELECT au.name AS audit_role, acl.schema, acl."table", acl."column", acl.privilege, pg_catalog.pg_get_userbyid(acl.grantee)::text AS grantee
  FROM audit au JOIN acl ON acl.grantee <> 0 AND pg_catalog.pg_has_role(au.oid, acl.grantee, 'USAGE')
 WHERE acl.privilege IN ('select', 'insert', 'update', 'delete')
 ORDER BY 1, 2, 3, 4 NULLS FIRST, 5, 6`;

const EXISTING_ROLES_SQL = `SELECT rolname::text AS name FROM pg_catalog.pg_roles WHERE rolname = ANY($1::text[])`;

const TABLES_SQL = `
SELECT t.schema, t.name AS "table",
       ARRAY(SELECT attname::text FROM pg_catalog.pg_attribute WHERE attrelid = c.oid AND attnum > 0 AND NOT attisdropped ORDER BY attnum) AS columns
  FROM unnest($1::text[], $2::text[]) AS t(schema, name)
  JOIN pg_catalog.pg_namespace n ON n.nspname = t.schema
  JOIN pg_catalog.pg_class c ON c.relnamespace = n.oid AND c.relname = t.name AND c.relkind = ANY($3::"char"[])`;

/** The audit roles (non-empty effective pgaudit.role) login roles get, by database. */
function auditRolesByDatabase(posture: AuditPosture): Map<string, string[]> {
    const out = new Map<string, Set<string>>();
    for (const pair of posture.effective) {
        if (!pair.canLogin || !pair.canConnect) continue;
        const role = pair.settings.find((s) => s.name === "pgaudit.role")?.value;
        if (role) (out.get(pair.database) ?? out.set(pair.database, new Set()).get(pair.database)!).add(role);
    }
    return new Map([...out].map(([db, roles]) => [db, [...roles].sort()]));
}

async function readDatabase(
    connection: ResolvedConnection,
    deadlineSeconds: number,
    database: string,
    auditRoles: readonly string[],
    tables: readonly TableName[],
): Promise<DatabaseObjectAudit> {
    try {
        return await withSession({ ...connection, database }, deadlineSeconds, async ({ client }) => {
            const roles: DatabaseObjectAudit["auditRoles"] = [];
            if (auditRoles.length > 0) {
                const existing = new Set((await client.query<{ name: string }>(EXISTING_ROLES_SQL, [auditRoles])).rows.map((r) => r.name));
                const { rows } = await client.query<ObjectGrant & { audit_role: string }>(GRANTS_SQL, [auditRoles, AUDITABLE_RELKINDS]);
                for (const name of auditRoles) {
                    const grants: ObjectGrant[] = rows
                        .filter((r) => r.audit_role === name)
                        .map((r) => ({ schema: r.schema, table: r.table, column: r.column, privilege: r.privilege, grantee: r.grantee }));
                    roles.push({ name, exists: existing.has(name), grants });
                }
            }
            let found: DatabaseObjectAudit["tables"] = [];
            if (tables.length > 0) {
                const { rows } = await client.query<DatabaseObjectAudit["tables"][number]>(TABLES_SQL, [
                    tables.map((t) => t.schema),
                    tables.map((t) => t.table),
                    AUDITABLE_RELKINDS,
                ]);
                found = rows.map((r) => ({ schema: r.schema, table: r.table, columns: r.columns }));
            }
            return { database, readable: true, auditRoles: roles, tables: found };
        });
    } catch (err) {
        // Connection errors name user@host:port/db, never the password.
        return { database, readable: false, error: err instanceof Error ? err.message : String(err), auditRoles: [], tables: [] };
    }
}

/**
 * Object audit of every database that needs a look: those where a login role gets a pgaudit.role,
 * and with `tables`, every database that accepts connections.
 */
export async function readObjectAudit(
    connection: ResolvedConnection,
    posture: AuditPosture,
    tables: readonly TableName[],
    deadlineSeconds: number,
): Promise<DatabaseObjectAudit[]> {
    const byDatabase = auditRolesByDatabase(posture);
    const me = posture.connectedAs.user;
    // Every database that accepts connections, CONNECT or not: one we cannot read comes back
    // unreadable, which --require-object reports (fail closed) instead of skipping it as if it held nothing.
    const reachable = posture.effective.filter((p) => p.role === me).map((p) => p.database);
    const databases = [...new Set([...byDatabase.keys(), ...(tables.length > 0 ? reachable : [])])].sort();
    const out: DatabaseObjectAudit[] = [];
    // One database at a time: each opens its own small pool, and a service has few databases.
    for (const database of databases) out.push(await readDatabase(connection, deadlineSeconds, database, byDatabase.get(database) ?? [], tables));
    return out;
}
