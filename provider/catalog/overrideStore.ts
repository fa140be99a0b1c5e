/**
 * Exclusive mode's queries over pg_db_role_setting, for PgAuditExclusive and PgAuditScopes: read
 * every pgaudit override with what decides who may reset it, and reset the undeclared ones in one
 * transaction. Planning is pure (core/exclusiveMode.ts).
 */
import type pg from "pg";
import { withSession } from "../connection";
import { beginOwned, ensureOwnerTable, type OwnerRecords } from "./ownerStore";
import { scopeId } from "../../model/scope";
import type { ResolvedConnection } from "../../model/connectionSpec";
import { explainPgError } from "../serverErrors";
import { describeUndeclared, findUndeclared, resetStatement, unresettableError, type ExclusiveFacts, type PgAuditOverrideRow } from "../core/exclusiveMode";
import type { DeclaredScope, OnUnresettable, UndeclaredOverride } from "../../model/undeclared";

const FACTS_SQL = `
SELECT current_user::text AS current_user, r.rolsuper AS superuser, r.rolcreaterole AS createrole,
       pg_catalog.current_setting('server_version_num')::int AS version_num
  FROM pg_catalog.pg_roles r WHERE r.rolname = current_user`;

/** has_parameter_privilege arrived with parameter grants in PostgreSQL 15; asked only there. */
const UNSETTABLE_SQL = `
SELECT COALESCE(pg_catalog.array_agg(name::text ORDER BY name), '{}') AS names
  FROM pg_catalog.pg_settings WHERE name LIKE 'pgaudit.%' AND NOT pg_catalog.has_parameter_privilege(name, 'SET')`;

/** Rows whose database or role vanished mid-read are left out: their entries went with them. */
const OVERRIDES_SQL = `
SELECT s.setdatabase, s.setrole, d.datname::text AS datname, r.rolname::text AS rolname, r.rolsuper,
       CASE WHEN s.setdatabase = 0 THEN NULL ELSE pg_catalog.pg_has_role(d.datdba, 'USAGE') END AS owns_database,
       CASE WHEN s.setrole = 0 THEN NULL ELSE pg_catalog.pg_has_role(s.setrole, 'MEMBER WITH ADMIN OPTION') END AS admin_of_role,
       e.entries
  FROM pg_catalog.pg_db_role_setting s
  CROSS JOIN LATERAL (SELECT pg_catalog.array_agg(x ORDER BY x) AS entries FROM pg_catalog.unnest(s.setconfig) AS x WHERE x ILIKE 'pgaudit.%') e
  LEFT JOIN pg_catalog.pg_database d ON d.oid = s.setdatabase
  LEFT JOIN pg_catalog.pg_roles r ON r.oid = s.setrole
 WHERE e.entries IS NOT NULL
   AND (s.setdatabase = 0 OR d.oid IS NOT NULL)
   AND (s.setrole = 0 OR r.oid IS NOT NULL)`;

export async function readFacts(client: pg.ClientBase): Promise<ExclusiveFacts> {
    const { rows } = await client.query<{ current_user: string; superuser: boolean | null; createrole: boolean | null; version_num: number }>(FACTS_SQL);
    const row = rows[0];
    const facts = {
        currentUser: row.current_user,
        superuser: row.superuser === true,
        createrole: row.createrole === true,
        versionNum: row.version_num,
    };
    if (facts.superuser || facts.versionNum < 150000) return { ...facts, unsettableParameters: [] };
    const unsettable = await client.query<{ names: string[] }>(UNSETTABLE_SQL);
    return { ...facts, unsettableParameters: unsettable.rows[0].names };
}

export async function readOverrideRows(client: pg.ClientBase): Promise<PgAuditOverrideRow[]> {
    const { rows } = await client.query<PgAuditOverrideRow>(OVERRIDES_SQL);
    return rows;
}

/**
 * Overrides at a scope some resource owns (an owner record names it: another stack's, or this
 * stack's own) are declared, just not in this list: exclusive mode leaves them to their owner,
 * so two exclusive stacks on one server do not reset each other's scopes.
 */
function unowned(overrides: UndeclaredOverride[], records: OwnerRecords): UndeclaredOverride[] {
    return overrides.filter((o) => records.of(scopeId(o)).length === 0);
}

/** The undeclared pgaudit overrides on the server now (refresh). */
export async function readUndeclared(
    connection: ResolvedConnection,
    deadlineSeconds: number,
    declared: readonly DeclaredScope[],
): Promise<UndeclaredOverride[]> {
    return withSession(connection, deadlineSeconds, async (session) => {
        const present = await ensureOwnerTable(session, false);
        const { client } = session;
        try {
            const records = await beginOwned(client, "all", present);
            const found = unowned(findUndeclared(await readOverrideRows(client), declared, await readFacts(client)), records);
            await client.query("COMMIT");
            return found;
        } catch (err) {
            await client.query("ROLLBACK").catch(() => undefined);
            throw explainPgError(err, { action: "reading pgaudit overrides", user: connection.user });
        }
    });
}

/**
 * Resets every undeclared pgaudit override, in one transaction, and returns those left (the
 * ones the connecting role may not reset, under "report"). Under "fail", any such override stops
 * the apply before anything is written.
 */
export async function resetUndeclared(
    connection: ResolvedConnection,
    deadlineSeconds: number,
    declared: readonly DeclaredScope[],
    onUnresettable: OnUnresettable,
): Promise<UndeclaredOverride[]> {
    return withSession(connection, deadlineSeconds, async (session) => {
        const present = await ensureOwnerTable(session, false);
        const { client } = session;
        let current = "reading pgaudit overrides";
        try {
            const records = await beginOwned(client, "all", present);
            const undeclared = unowned(findUndeclared(await readOverrideRows(client), declared, await readFacts(client)), records);
            const blocked = undeclared.filter((o) => !o.resettable);
            if (blocked.length > 0 && onUnresettable === "fail") throw unresettableError(blocked);
            for (const o of undeclared.filter((u) => u.resettable)) {
                current = `resetting undeclared ${describeUndeclared(o)}`;
                await client.query(resetStatement(o));
            }
            await client.query("COMMIT");
            return blocked;
        } catch (err) {
            await client.query("ROLLBACK").catch(() => undefined);
            throw explainPgError(err, { action: current, user: connection.user });
        }
    });
}
