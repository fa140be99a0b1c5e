/** PgAuditLogging and the pieces users touch when they keep their own aiven.Pg. */
export { PgAuditLogging } from "./pgAuditLogging";
export {
    SETTINGS_RESOURCES,
    type SettingsResource,
    type PgAuditLoggingArgs,
    type PgAuditLoggingSettings,
    type ExistingOpenSearch,
    type OpenSearchServiceArgs,
} from "./args";
export { pgAuditUserConfig } from "./auditConfig";
export { pgAuditConfigSchema, type PgAuditConfig, type PgAuditConfigInput } from "../model/serviceAudit";
export { logsConfigSchema, AUDIT_DASHBOARDS_FILTER, type LogsConfig, type LogsConfigInput } from "./logsConfig";
export { type PgServiceArgs, type PgauditBlock } from "./serviceConfig";
export { type RoleDatabaseSettings } from "./scopes";
export { type GroupDatabaseSettings } from "./groups";
export { type BaselineRecord } from "./baselineConfig";
export { type BaselineException } from "../baselines/exception";
export { PgAuditLoggingError } from "./errors";
export { type ObjectAuditArgs, type ObjectAuditRoleScope } from "./objectAudit";
