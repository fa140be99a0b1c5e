/** The audit posture layer: read what pgaudit really does per role and database, check it, print it. */
export { readAuditPosture } from "./readAuditPosture";
export { checkRequirements, parseRequiredClasses, type RequiredClass } from "./requirements";
export { checkBaseline } from "./baselineCheck";
export { renderPostureReport } from "./renderReport";
export * from "./model";
export type { ReadCatalogOptions } from "./readCatalog";
