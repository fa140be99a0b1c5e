/**
 * `pgAuditUserConfig`: the service-level pgaudit block (model/serviceAudit.ts) as the part of an
 * `aiven.Pg`'s `pgUserConfig` a program writes for a service it declares itself.
 */
import type * as aiven from "@pulumi/aiven";
import type * as pulumi from "@pulumi/pulumi";
import { aivenPgauditBlock, parsePgAuditConfig, type PgAuditConfigInput } from "../model/serviceAudit";
import { whenKnown } from "../model/known";

/**
 * The pgaudit part of an `aiven.Pg`'s `pgUserConfig`, for a service you declare yourself and pass
 * to PgAuditLogging: `pgUserConfig: { ...pgAuditUserConfig(audit), pgVersion: "17" }`. Pass the
 * same `audit` to PgAuditLogging, which checks that the service carries it. `featureEnabled`
 * defaults to true. Throws on invalid settings when they are plain values.
 */
export function pgAuditUserConfig(audit: pulumi.Input<PgAuditConfigInput> = {}): { pgaudit: pulumi.Input<aiven.types.input.PgPgUserConfigPgaudit> } {
    return { pgaudit: whenKnown(audit, (plain) => aivenPgauditBlock(parsePgAuditConfig("pgAuditUserConfig", "audit", plain))) };
}
