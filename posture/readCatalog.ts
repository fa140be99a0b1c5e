/**
 * The one file of the posture layer that talks to PostgreSQL: a fixed set of catalog queries in
 * one read-only snapshot, whatever the number of roles and databases, plus at most one query in a
 * second database when the first masks server-wide values (see serverSettings.ts). None of the
 * queries takes user input; names travel only as result data.
 */
import { withSession } from "../provider/connection";
import type { ResolvedConnection } from "../model/connectionSpec";
import { explainPgError } from "../provider/serverErrors";
import {
    databaseRowSchema,
    noConnectRowSchema,
    overrideRowSchema,
    parameterGrantRowSchema,
    roleRowSchema,
    sessionRowSchema,
    settingRowSchema,
    type CatalogSnapshot,
    type SettingsView,
} from "./catalogRows";
import { chooseFallbackDatabase } from "./serverSettings";
import type { z } from "zod";

const SESSION_SQL = `
SELECT current_user::text AS current_user,
       pg_catalog.current_database()::text AS current_database,
       (SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user) AS superuser,
       pg_catalog.current_setting('server_version') AS server_version,
       pg_catalog.current_setting('server_version_num')::int AS server_version_num,
       coalesce((SELECT extversion FROM pg_catalog.pg_extension WHERE extname OPERATOR(pg_catalog.=) 'pgaudit'),
                (SELECT default_version FROM pg_catalog.pg_available_extensions WHERE name OPERATOR(pg_catalog.=) 'pgaudit'))::text AS pgaudit_version`;

/** pgaudit.*, and log_min_messages: it decides whether pgaudit's lines reach the server log at all. */
const SETTINGS_SQL = `
SELECT name, reset_val, source FROM pg_catalog.pg_settings
 WHERE name OPERATOR(pg_catalog.~~) 'pgaudit.%' OR name OPERATOR(pg_catalog.=) 'log_min_messages'
 ORDER BY name`;

/** pg_* roles are PostgreSQL's predefined roles: the prefix is reserved and they never log in. */
const ROLES_SQL = `SELECT oid, rolname::text AS rolname, rolcanlogin, rolsuper FROM pg_catalog.pg_roles WHERE rolname !~ '^pg_'`;

const DATABASES_SQL = `SELECT oid, datname::text AS datname, datallowconn, pg_catalog.pg_get_userbyid(datdba)::text AS owner FROM pg_catalog.pg_database`;

/**
 * Only pgaudit.* and log_min_messages entries leave the server: other parameters are none of this
 * tool's business. log_min_messages is read because a per-role or per-database value above LOG
 * drops every AUDIT line before it reaches the server log.
 */
const OVERRIDES_SQL = `
SELECT s.setdatabase, s.setrole, d.datname::text AS datname, r.rolname::text AS rolname, e.entries
  FROM pg_catalog.pg_db_role_setting s
  CROSS JOIN LATERAL (SELECT pg_catalog.array_agg(x ORDER BY x) AS entries FROM pg_catalog.unnest(s.setconfig) AS x
                       WHERE x OPERATOR(pg_catalog.~~*) 'pgaudit.%' OR x OPERATOR(pg_catalog.~~*) 'log_min_messages=%') e
  LEFT JOIN pg_catalog.pg_database d ON d.oid = s.setdatabase
  LEFT JOIN pg_catalog.pg_roles r ON r.oid = s.setrole
 WHERE e.entries IS NOT NULL`;

/** Usually empty: PUBLIC holds CONNECT on databases unless it was revoked. */
const NO_CONNECT_SQL = `
SELECT d.oid AS database_oid, r.oid AS role_oid
  FROM pg_catalog.pg_database d CROSS JOIN pg_catalog.pg_roles r
 WHERE d.datallowconn AND r.rolname !~ '^pg_' AND NOT pg_catalog.has_database_privilege(r.oid, d.oid, 'CONNECT')`;

/**
 * Who may change the audit parameters for their own session (PostgreSQL 15+): SET and ALTER
 * SYSTEM grants on pgaudit.* and log_min_messages. Superusers need no grant (the posture marks them),
 * and the ACL lists the bootstrap superuser's own privileges once it is not the default: left out.
 */
const PARAMETER_GRANTS_SQL = `
SELECT a.parname::text AS parameter,
       CASE WHEN g.grantee OPERATOR(pg_catalog.=) 0 THEN 'PUBLIC' ELSE pg_catalog.pg_get_userbyid(g.grantee)::text END AS grantee,
       g.privilege_type::text AS privilege, g.is_grantable AS grantable
  FROM pg_catalog.pg_parameter_acl a CROSS JOIN LATERAL pg_catalog.aclexplode(a.paracl) g
  LEFT JOIN pg_catalog.pg_roles r ON r.oid OPERATOR(pg_catalog.=) g.grantee
 WHERE (a.parname OPERATOR(pg_catalog.~~) 'pgaudit.%' OR a.parname OPERATOR(pg_catalog.=) 'log_min_messages')
   AND NOT coalesce(r.rolsuper, false)
 ORDER BY 1, 2, 3`;

/** Options of readAuditPosture: the connect deadline, and object audit tables to read. */
export interface ReadCatalogOptions {
    /** How long to keep retrying a server that is still starting, in seconds. Default 10. */
    readonly connectDeadlineSeconds?: number;
    /** How the deadline is named in the error when it runs out. Default "connectDeadlineSeconds". */
    readonly connectDeadlineName?: string;
}

type Queryable = { query(text: string): Promise<{ rows: unknown[] }> };

async function rowsOf<S extends z.ZodType>(client: Queryable, sql: string, schema: S): Promise<z.output<S>[]> {
    const { rows } = await client.query(sql);
    return rows.map((row) => schema.parse(row));
}

/** Reads everything a posture needs: 9 statements (7 queries in BEGIN…COMMIT; 6 before PostgreSQL 15), plus 1 in a second database only when needed. */
export async function readCatalog(connection: ResolvedConnection, options: ReadCatalogOptions = {}): Promise<CatalogSnapshot> {
    const deadline = options.connectDeadlineSeconds ?? 10;
    const name = options.connectDeadlineName;
    const main = await withSession(
        connection,
        deadline,
        async ({ client }) => {
            try {
                await client.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
                const [session] = await rowsOf(client, SESSION_SQL, sessionRowSchema);
                const settings = await rowsOf(client, SETTINGS_SQL, settingRowSchema);
                const roles = await rowsOf(client, ROLES_SQL, roleRowSchema);
                const databases = await rowsOf(client, DATABASES_SQL, databaseRowSchema);
                const overrides = await rowsOf(client, OVERRIDES_SQL, overrideRowSchema);
                const noConnect = await rowsOf(client, NO_CONNECT_SQL, noConnectRowSchema);
                const parameterGrants = session.server_version_num >= 150000 ? await rowsOf(client, PARAMETER_GRANTS_SQL, parameterGrantRowSchema) : undefined;
                await client.query("COMMIT");
                return { session, settings, roles, databases, overrides, noConnect, parameterGrants };
            } catch (err) {
                await client.query("ROLLBACK").catch(() => undefined);
                throw explainPgError(err, { action: "reading the audit posture", user: connection.user });
            }
        },
        name,
    );
    const views: SettingsView[] = [{ database: main.session.current_database, rows: main.settings }];
    const fallback = chooseFallbackDatabase(main.session, main.settings, {
        databases: main.databases,
        overrides: main.overrides,
        noConnect: main.noConnect,
        currentRoleOid: main.roles.find((r) => r.rolname === main.session.current_user)?.oid,
    });
    if (fallback !== undefined) {
        try {
            const rows = await withSession(
                { ...connection, database: fallback },
                deadline,
                ({ client }) => rowsOf(client, SETTINGS_SQL, settingRowSchema),
                name,
            );
            views.push({ database: fallback, rows });
        } catch {
            // Only a better view of masked values was at stake: they stay reported as hidden.
        }
    }
    return {
        host: connection.host,
        port: connection.port,
        session: main.session,
        settingsViews: views,
        roles: main.roles,
        databases: main.databases,
        overrides: main.overrides,
        noConnect: main.noConnect,
        ...(main.parameterGrants ? { parameterGrants: main.parameterGrants } : {}),
    };
}
