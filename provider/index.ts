/** `pulumi-aiven-pgaudit/provider`: what the provider host loads at call time, and the pure core. */
export { pgAuditSettingProvider, scopeId } from "./setting/provider";
export { PgAuditSetting, type PgAuditSettingArgs } from "./setting/resource";
export { PgAuditSettingError } from "./core/errors";
export { PgAuditInputError } from "./core/constructionCheck";
export { closeAllPools, connectionStats } from "./connection";
export { checkInputs, diffInputs, UNKNOWN } from "./setting/lifecycle";
export * from "./core/pgauditLog";
export { SETTING_DEFINITIONS, SETTING_KEYS, PGAUDIT_LOG_LEVELS, type SettingKey, type SettingValues } from "./core/settings";
export { settingsSchema, pgAuditSettingInputsSchema, type PgAuditSettings, type PgAuditSettingsInput, type PgAuditSettingInputs } from "./core/schema";
export { type ConnectionInput, type ResolvedConnection } from "./core/connectionSpec";
export { pgAuditExclusiveProvider } from "./exclusive/provider";
export { PgAuditExclusive, type PgAuditExclusiveArgs, type DeclaredScopeArgs } from "./exclusive/resource";
export { type DeclaredScope, type UndeclaredOverride, type OnUnresettable } from "./core/undeclared";
export { pgAuditScopesProvider } from "./scopes/provider";
export { PgAuditScopes, type PgAuditScopesArgs, type PgAuditScopeArgs, type PgAuditGroupScopeArgs } from "./scopes/resource";
export { encodeSettingsText, decodeSettingsText } from "./core/settingsText";
export { parseScopeId } from "./core/scopeKey";
// Object audit (pgaudit.role and the audit role's privileges).
export { pgAuditObjectAuditProvider } from "./objectAudit/provider";
export { PgAuditObjectAudit, type PgAuditObjectAuditArgs } from "./objectAudit/resource";
export {
    OBJECT_PRIVILEGES,
    parseTableName,
    formatTableName,
    type ObjectPrivilege,
    type ObjectEntry,
    type ObjectEntryInput,
    type TableName,
} from "./objectAudit/schema";
