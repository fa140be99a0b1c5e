/** The audit posture layer: read what pgaudit really does per role and database, check it, print it. */
export { readAuditPosture } from "./readAuditPosture";
export { buildAuditPosture } from "./buildPosture";
export { checkRequirements, parseRequiredClasses, type RequiredClass } from "./requirements";
export { checkBaseline } from "./baselineCheck";
export { renderPostureReport } from "./renderReport";
export { runPostureCli, EXIT_OK, EXIT_REQUIREMENT_VIOLATED, EXIT_USAGE_OR_CONNECTION } from "./cli";
export { OVERRIDE_PRECEDENCE } from "./precedence";
export * from "./model";
export type { ReadCatalogOptions } from "./readCatalog";
export { checkObjectRequirements, parseObjectRequirement, type ObjectRequirement } from "./objectRequirements";
export type { ReadAuditPostureOptions } from "./readAuditPosture";
