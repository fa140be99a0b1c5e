/**
 * Who is in a group, read in the apply's (or refresh's) own transaction: the roles that are
 * members of each named role directly or through other roles, recursively over
 * pg_auth_members. One query for any number of groups and members. INHERIT is not consulted:
 * session settings come from the role that logs in, whatever its membership lets it inherit.
 * Only, on PostgreSQL 16+, a grant with neither INHERIT nor SET is not followed: it gives ADMIN
 * alone (the right to manage the group's membership), and PostgreSQL makes one for the CREATEROLE
 * role that creates a role (measured: avnadmin is such a "member" of every group it creates).
 * Also the owner records group scopes keep (catalog/ownerStore.ts holds the table).
 */
import type pg from "pg";
import { escapeLiteral } from "pg";
import type { OwnerRecord } from "../../model/ownership";
import { OWNER_TABLE } from "./ownerStore";

/** One role found under a group. */
interface GroupMember {
    readonly name: string;
    readonly login: boolean;
    readonly superuser: boolean;
}

export interface GroupMembership {
    readonly group: string;
    /** False when no role has the group's name. */
    readonly exists: boolean;
    /** Every role under the group (the group itself left out), sorted by name. */
    readonly members: readonly GroupMember[];
}

/**
 * $1: the group names. UNION (not UNION ALL) ends the recursion on roles already found; PostgreSQL
 * 16+ keeps one pg_auth_members row per grantor, which UNION folds too. `usable` reads the 16+
 * options through to_jsonb, so one text serves every major (before 16 each grant counts).
 */
const MEMBERS_SQL = `
WITH RECURSIVE g AS (
  SELECT t.name, t.i, r.oid
    FROM unnest($1::text[]) WITH ORDINALITY AS t(name, i)
    LEFT JOIN pg_catalog.pg_roles r ON r.rolname = t.name
), usable AS (
  SELECT a.roleid, a.member FROM pg_catalog.pg_auth_members a
   WHERE COALESCE((pg_catalog.to_jsonb(a) OPERATOR(pg_catalog.->>) 'inherit_option')::boolean
               OR (pg_catalog.to_jsonb(a) OPERATOR(pg_catalog.->>) 'set_option')::boolean, true)
), m(i, member) AS (
  SELECT g.i, a.member FROM g JOIN usable a ON a.roleid = g.oid
  UNION
  SELECT m.i, a.member FROM m JOIN usable a ON a.roleid = m.member
)
SELECT g.name, g.oid IS NOT NULL AS exists,
       COALESCE((SELECT pg_catalog.json_agg(pg_catalog.json_build_object('name', r.rolname::text, 'login', r.rolcanlogin, 'superuser', r.rolsuper) ORDER BY r.rolname)
                   FROM m JOIN pg_catalog.pg_roles r ON r.oid = m.member
                  WHERE m.i = g.i AND r.oid <> g.oid), '[]'::json) AS members
  FROM g ORDER BY g.i`;

/** The members of each group, in the order given. */
export async function readMemberships(client: pg.ClientBase, groups: readonly string[]): Promise<GroupMembership[]> {
    if (groups.length === 0) return [];
    const { rows } = await client.query<{ name: string; exists: boolean; members: GroupMember[] }>(MEMBERS_SQL, [groups]);
    return rows.map((row) => ({ group: row.name, exists: row.exists, members: row.members }));
}

const keysArray = (keys: readonly string[]) => `ARRAY[${keys.map((k) => escapeLiteral(k)).join(",")}]::text[]`;

/**
 * The owner records a group apply decides on, under the owner lock the transaction holds: every
 * record of the member scopes and group scopes in `keys`, everything held by `ownerIds` (what our
 * groups held so far, leavers included), and every group scope's record (to tell a member held
 * by another group from one declared on its own).
 */
export async function readGroupRecords(client: pg.ClientBase, keys: readonly string[], ownerIds: readonly string[]): Promise<OwnerRecord[]> {
    const { rows } = await client.query<{ scope: string; owner_id: string; stack: string; resource: string; claimed_at: string }>(
        `SELECT scope, owner_id, stack, resource, pg_catalog.to_char(claimed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS') AS claimed_at FROM ${OWNER_TABLE} ` +
            `WHERE scope = ANY(${keysArray(keys)}) OR owner_id = ANY(${keysArray(ownerIds)}) OR scope LIKE 'group/%'`,
    );
    return rows.map((r) => ({ scope: r.scope, ownerId: r.owner_id, stack: r.stack, resource: r.resource, claimedAt: r.claimed_at }));
}
