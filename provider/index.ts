/** `pulumi-aiven-pgaudit/provider`: what the provider host loads at call time, and the pure core. */
export { pgAuditSettingProvider, scopeId } from "./provider";
export { PgAuditSetting, type PgAuditSettingArgs } from "./resource";
export { PgAuditSettingError } from "./core/errors";
export { PgAuditInputError } from "./core/constructionCheck";
export { closeAllPools, connectionStats } from "./connection";
export { checkInputs, diffInputs, UNKNOWN } from "./lifecycle";
export * from "./core/pgauditLog";
export { SETTING_DEFINITIONS, SETTING_KEYS, PGAUDIT_LOG_LEVELS, type SettingKey, type SettingValues } from "./core/settings";
export { settingsSchema, pgAuditSettingInputsSchema, type PgAuditSettings, type PgAuditSettingsInput, type PgAuditSettingInputs } from "./core/schema";
export { type ConnectionInput, type ResolvedConnection } from "./core/connectionSpec";
export { pgAuditExclusiveProvider } from "./exclusiveProvider";
export { PgAuditExclusive, type PgAuditExclusiveArgs, type DeclaredScopeArgs } from "./exclusiveResource";
export { type DeclaredScope, type UndeclaredOverride, type OnUnresettable } from "./core/exclusiveMode";
export { pgAuditScopesProvider } from "./scopesProvider";
export { PgAuditScopes, type PgAuditScopesArgs, type PgAuditScopeArgs } from "./scopesResource";
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
