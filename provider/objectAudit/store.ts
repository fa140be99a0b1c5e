/**
 * Object audit's queries: the audit role, its privileges in one database, and what decides who
 * may change them. Names travel as bind parameters; the writes come from plan.ts, built from
 * escaped identifiers only. Planning is pure (plan.ts); this file only reads and runs.
 */
import type pg from "pg";
import { AUDITABLE_RELKINDS, OBJECT_PRIVILEGES, type ObjectPrivilege, type TableName } from "../../model/objectAudit";
import { sortGrants, type Grant, type TableFacts } from "./plan";

const PRIVILEGE_TYPES = OBJECT_PRIVILEGES.map((p) => p.toUpperCase());

/** The role, if it exists. */
const ROLE_SQL = `SELECT oid::int AS oid FROM pg_catalog.pg_roles WHERE rolname = $1::text`;

/**
 * Every select/insert/update/delete privilege granted directly to the role on a relation of this
 * database, table-wide (relacl) and per column (attacl). $1 = role, $2 = relkinds, $3 = privilege types.
 */
const GRANTS_SQL = `
WITH r AS (SELECT oid FROM pg_catalog.pg_roles WHERE rolname = $1::text)
SELECT n.nspname::text AS schema, c.relname::text AS "table", NULL::text AS "column", pg_catalog.lower(a.privilege_type) AS privilege
  FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
  CROSS JOIN LATERAL pg_catalog.aclexplode(c.relacl) a
 WHERE c.relkind = ANY($2::"char"[]) AND a.grantee = (SELECT oid FROM r) AND a.privilege_type = ANY($3::text[])
UNION
SELECT n.nspname::text, c.relname::text, at.attname::text, pg_catalog.lower(a.privilege_type)
  FROM pg_catalog.pg_attribute at JOIN pg_catalog.pg_class c ON c.oid = at.attrelid JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
  CROSS JOIN LATERAL pg_catalog.aclexplode(at.attacl) a
 WHERE c.relkind = ANY($2::"char"[]) AND at.attnum > 0 AND NOT at.attisdropped
   AND a.grantee = (SELECT oid FROM r) AND a.privilege_type = ANY($3::text[])`;

/** For each (schema, table) asked: owner, kind, whether we act as the owner, what we may grant, its columns. */
const TABLES_SQL = `
SELECT t.schema, t.name AS "table", pg_catalog.pg_get_userbyid(c.relowner)::text AS owner, c.relkind::text AS relkind,
       COALESCE(pg_catalog.pg_has_role(c.relowner, 'USAGE'), false) AS acts_as_owner,
       ARRAY(SELECT p FROM pg_catalog.unnest($3::text[]) p WHERE c.oid IS NOT NULL AND pg_catalog.has_table_privilege(c.oid, p || ' WITH GRANT OPTION')) AS grantable,
       ARRAY(SELECT attname::text FROM pg_catalog.pg_attribute WHERE attrelid = c.oid AND attnum > 0 AND NOT attisdropped ORDER BY attnum) AS columns
  FROM unnest($1::text[], $2::text[]) AS t(schema, name)
  LEFT JOIN pg_catalog.pg_namespace n ON n.nspname = t.schema
  LEFT JOIN pg_catalog.pg_class c ON c.relnamespace = n.oid AND c.relname = t.name`;

/**
 * Whether anything but this database's privileges still ties the role down: objects it owns or
 * privileges in any database (pg_shdepend), memberships either way. Not the connecting role's own
 * membership in it: from PostgreSQL 16 on, CREATE ROLE by a non-superuser grants the new role to
 * its creator WITH ADMIN OPTION (and again with createrole_self_grant), so every role we created
 * has one; DROP ROLE removes it, and nobody else depends on it.
 */
const ROLE_IN_USE_SQL = `
SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_shdepend WHERE refclassid = 'pg_catalog.pg_authid'::pg_catalog.regclass AND refobjid = $1::oid)
    OR EXISTS (SELECT 1 FROM pg_catalog.pg_auth_members m
                WHERE (m.roleid = $1::oid OR m.member = $1::oid)
                  AND NOT (m.roleid = $1::oid AND m.member = (SELECT oid FROM pg_catalog.pg_roles WHERE rolname = current_user))) AS in_use`;

interface GrantRow {
    readonly schema: string;
    readonly table: string;
    readonly column: string | null;
    readonly privilege: string;
}

interface TableRow {
    readonly schema: string;
    readonly table: string;
    readonly owner: string | null;
    readonly relkind: string | null;
    readonly acts_as_owner: boolean | null;
    readonly grantable: string[];
    readonly columns: string[];
}

/** The role's oid, or undefined when it does not exist. */
export async function readRoleOid(client: pg.ClientBase, role: string): Promise<number | undefined> {
    const { rows } = await client.query<{ oid: number }>(ROLE_SQL, [role]);
    return rows[0]?.oid;
}

export async function readGrants(client: pg.ClientBase, role: string): Promise<Grant[]> {
    const { rows } = await client.query<GrantRow>(GRANTS_SQL, [role, AUDITABLE_RELKINDS, PRIVILEGE_TYPES]);
    return sortGrants(rows.map((r) => ({ schema: r.schema, table: r.table, column: r.column, privilege: r.privilege as ObjectPrivilege })));
}

export async function readTables(client: pg.ClientBase, tables: readonly TableName[]): Promise<TableFacts[]> {
    if (tables.length === 0) return [];
    const { rows } = await client.query<TableRow>(TABLES_SQL, [tables.map((t) => t.schema), tables.map((t) => t.table), PRIVILEGE_TYPES]);
    return rows.map((r) => ({
        schema: r.schema,
        table: r.table,
        owner: r.owner,
        relkind: r.relkind,
        actsAsOwner: r.acts_as_owner === true,
        grantable: r.grantable.map((p) => p.toLowerCase() as ObjectPrivilege),
        columns: r.columns,
    }));
}

export async function roleInUse(client: pg.ClientBase, oid: number): Promise<boolean> {
    const { rows } = await client.query<{ in_use: boolean }>(ROLE_IN_USE_SQL, [oid]);
    return rows[0].in_use === true;
}
