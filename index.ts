/** pulumi-aiven-pgaudit: declarative pgaudit on Aiven for PostgreSQL with Pulumi. */
export { PgAuditSetting, type PgAuditSettingArgs, pgAuditSettingProvider, PgAuditSettingError, PgAuditInputError, closeAllPools } from "./provider";
export * from "./model/pgauditLog";
export { settingsSchema, type PgAuditSettings, type PgAuditSettingsInput, type ConnectionInput } from "./provider";
export {
    PgAuditLogging,
    type PgAuditLoggingArgs,
    type PgAuditLoggingSettings,
    type PgServiceArgs,
    type ExistingOpenSearch,
    type OpenSearchServiceArgs,
    type RoleDatabaseSettings,
    type GroupDatabaseSettings,
    type PgauditBlock,
    PgAuditLoggingError,
    pgAuditUserConfig,
    pgAuditConfigSchema,
    type PgAuditConfig,
    type PgAuditConfigInput,
    logsConfigSchema,
    AUDIT_DASHBOARDS_FILTER,
    type LogsConfig,
    type LogsConfigInput,
} from "./components";
export { PgAuditExclusive, type PgAuditExclusiveArgs, type DeclaredScopeArgs, type UndeclaredOverride } from "./provider";
export {
    readAuditPosture,
    checkRequirements,
    parseRequiredClasses,
    renderPostureReport,
    auditPostureSchema,
    postureReportSchema,
    type AuditPosture,
    type PostureReport,
    type RequirementResult,
    type Violation,
    type EffectivePosture,
    type EffectiveSetting,
    type Override,
    type OverrideScope,
    type SettingOrigin,
    type ServerSetting,
    type RequiredClass,
    type ReadCatalogOptions,
} from "./posture";
export { PgAuditScopes, type PgAuditScopesArgs, type PgAuditScopeArgs, type PgAuditGroupScopeArgs } from "./provider";
export { SETTINGS_RESOURCES, type SettingsResource } from "./components";
export { PgAuditObjectAudit, type PgAuditObjectAuditArgs, type ObjectEntry, type ObjectEntryInput, type ObjectPrivilege } from "./provider";
export { type ObjectAuditArgs, type ObjectAuditRoleScope } from "./components";
export {
    defineBaseline,
    resolveBaseline,
    evaluateBaseline,
    BASELINES,
    stigBaseline,
    cisBaseline,
    type Baseline,
    type BaselineInput,
    type BaselineRule,
    type Finding,
} from "./baselines";
export { type BaselineException, type BaselineRecord } from "./components";
export { checkBaseline, type BaselineResult, type BaselineViolation } from "./posture";
export { SERVER_LOG_RULE, type PgauditValues } from "./baselines";
export { auditRouting, auditLossText, LOG_MIN_MESSAGES_DEFAULT, type AuditRouting, type AuditRoutingInput, type MessageLevel } from "./model/auditRouting";
export { type AuditLines, type FunctionSetting, type FunctionSettings, type FunctionViolation, type ParameterGrant } from "./posture";
