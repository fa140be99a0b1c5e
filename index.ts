/** pulumi-aiven-pgaudit: declarative pgaudit on Aiven for PostgreSQL with Pulumi. */
export { PgAuditSetting, type PgAuditSettingArgs, pgAuditSettingProvider, PgAuditSettingError } from "./provider";
export * from "./provider/pgauditLog";
export { settingsSchema, type PgAuditSettings, type PgAuditSettingsInput, type ConnectionInput } from "./provider";
