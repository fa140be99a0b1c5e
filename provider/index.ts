/** `pulumi-aiven-pgaudit/provider`: what the provider host loads at call time, and the pure core. */
export { pgAuditSettingProvider, scopeId } from "./setting/provider";
export { PgAuditSetting, type PgAuditSettingArgs } from "./setting/resource";
export { PgAuditSettingError } from "../model/errors";
export { PgAuditInputError } from "../model/errors";
export { closeAllPools, connectionStats } from "./connection";
export { checkInputs, diffInputs, UNKNOWN } from "./setting/lifecycle";
export * from "../model/pgauditLog";
export { SETTING_DEFINITIONS, SETTING_KEYS, PGAUDIT_LOG_LEVELS, type SettingKey, type SettingValues } from "../model/settings";
export { settingsSchema, type PgAuditSettings, type PgAuditSettingsInput } from "../model/settingsSchema";
export { pgAuditSettingInputsSchema, type PgAuditSettingInputs } from "./setting/schema";
export { type ConnectionInput, type ResolvedConnection } from "../model/connectionSpec";
export { pgAuditExclusiveProvider } from "./exclusive/provider";
export { PgAuditExclusive, type PgAuditExclusiveArgs, type DeclaredScopeArgs } from "./exclusive/resource";
export { type DeclaredScope, type UndeclaredOverride, type OnUnresettable } from "../model/undeclared";
export { pgAuditScopesProvider } from "./scopes/provider";
export { PgAuditScopes, type PgAuditScopesArgs, type PgAuditScopeArgs, type PgAuditGroupScopeArgs } from "./scopes/resource";
export { encodeSettingsText, decodeSettingsText } from "../model/settingsText";
export { parseScopeId } from "../model/scope";
// Object audit (pgaudit.role and the audit role's privileges).
export { pgAuditObjectAuditProvider } from "./objectAudit/provider";
export { PgAuditObjectAudit, type PgAuditObjectAuditArgs } from "./objectAudit/resource";
export { OBJECT_PRIVILEGES, parseTableName, formatTableName, type ObjectPrivilege, type TableName } from "../model/objectAudit";
export { type ObjectEntry, type ObjectEntryInput } from "./objectAudit/schema";
