/**
 * The raw catalog rows a posture is computed from, as zod schemas: readCatalog.ts validates what
 * the server returns against them, everything after that is pure code over this snapshot.
 */
import { z } from "zod";

const oid = z.number().int().nonnegative();

export const sessionRowSchema = z.object({
    current_user: z.string(),
    current_database: z.string(),
    superuser: z.boolean(),
    server_version: z.string(),
    server_version_num: z.number().int(),
    /** The pgaudit extension's version here, else the installed files' default version; null when neither exists. */
    pgaudit_version: z.string().nullable(),
});

/** A pgaudit.* row of pg_settings as the connecting session sees it. */
export const settingRowSchema = z.object({
    name: z.string(),
    reset_val: z.string().nullable(),
    /** default, configuration file, command line, global, database, user, database user, client, session… */
    source: z.string(),
});

export const roleRowSchema = z.object({ oid, rolname: z.string(), rolcanlogin: z.boolean(), rolsuper: z.boolean() });

export const databaseRowSchema = z.object({ oid, datname: z.string(), datallowconn: z.boolean(), owner: z.string() });

/** A pg_db_role_setting row reduced to its pgaudit.* entries ("name=value"); 0 = any. */
export const overrideRowSchema = z.object({
    setdatabase: oid,
    setrole: oid,
    datname: z.string().nullable(),
    rolname: z.string().nullable(),
    entries: z.array(z.string()),
});

/** A role that may not connect to a database (no CONNECT privilege). */
export const noConnectRowSchema = z.object({ database_oid: oid, role_oid: oid });

/** A privilege on pgaudit.* or log_min_messages, one row per grantee (pg_parameter_acl, aclexplode); grantee 0 = PUBLIC. */
export const parameterGrantRowSchema = z.object({ parameter: z.string(), grantee: z.string(), privilege: z.string(), grantable: z.boolean() });

type ParameterGrantRow = z.infer<typeof parameterGrantRowSchema>;
export type SessionRow = z.infer<typeof sessionRowSchema>;
export type SettingRow = z.infer<typeof settingRowSchema>;
type RoleRow = z.infer<typeof roleRowSchema>;
export type DatabaseRow = z.infer<typeof databaseRowSchema>;
export type OverrideRow = z.infer<typeof overrideRowSchema>;
export type NoConnectRow = z.infer<typeof noConnectRowSchema>;

/** pg_settings as seen from one database's session. */
export interface SettingsView {
    readonly database: string;
    readonly rows: readonly SettingRow[];
}

export interface CatalogSnapshot {
    readonly host: string;
    readonly port: number;
    readonly session: SessionRow;
    /** pg_settings in the connecting database, then (when some values were masked there) in one other. */
    readonly settingsViews: readonly SettingsView[];
    readonly roles: readonly RoleRow[];
    readonly databases: readonly DatabaseRow[];
    readonly overrides: readonly OverrideRow[];
    readonly noConnect: readonly NoConnectRow[];
    /** Grants on the audit parameters; undefined before PostgreSQL 15 (no pg_parameter_acl). */
    readonly parameterGrants?: readonly ParameterGrantRow[];
}
