/**
 * The service-level side of PgAuditLogging: the pgaudit block merged into the `pgUserConfig` of a
 * service it declares, or checked on a service the user keeps.
 */
import type * as aiven from "@pulumi/aiven";
import * as pulumi from "@pulumi/pulumi";
import { aivenPgauditBlock, parsePgAuditConfig, pgAuditConfigSchema, type PgAuditConfig, PGAUDIT_CONFIG_KEYS } from "../model/serviceAudit";
import { PgAuditInputError } from "../model/errors";
import { describeIssues } from "../model/inputFailures";
import { whenKnown } from "../model/known";
import { pgVersionSchema } from "../model/pgVersion";

/** The arguments of an `aiven.Pg` for PgAuditLogging to declare (its project comes from `project`). */
export type PgServiceArgs = Omit<aiven.PgArgs, "project"> & {
    /** PostgreSQL major version ("15" to "18"): shorthand for `pgUserConfig.pgVersion`. */
    pgVersion?: pulumi.Input<string>;
};

/** The service-level pgaudit block as written to Aiven. */
export type PgauditBlock = PgAuditConfig & { featureEnabled: boolean };

/** What the service gets: its pgaudit block and major version (undefined: Aiven's default, the latest). */
export interface ServiceAudit {
    readonly pgaudit: PgauditBlock;
    readonly pgVersion?: string;
}

type UserConfigPart = { pgaudit?: unknown; pgVersion?: unknown } | undefined | null;

const show = (value: unknown): string => (value === undefined ? "not set" : JSON.stringify(value));

/** Two values of one pgaudit key mean the same: `logs` as a set (Aiven's list has no order rule). */
function sameSetting(key: string, a: unknown, b: unknown): boolean {
    if (key === "logs") {
        const set = (v: unknown) => [...new Set(Array.isArray(v) ? (v as string[]) : [])].sort().join(",");
        return set(a) === set(b);
    }
    return (a ?? undefined) === (b ?? undefined);
}

/** Drops the null members Pulumi reports for unset keys of a provider's output object. */
function definedMembers(value: unknown): Record<string, unknown> {
    if (value === null || typeof value !== "object") return {};
    return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined && v !== null));
}

/** Merges `audit` into the caller's `pgUserConfig` parts, refusing keys that say something else. */
function reconcileDeclared(subject: string, part: UserConfigPart, audit: PgAuditConfig, shorthand: unknown): ServiceAudit {
    const problems: string[] = [];
    const versions: [string, unknown][] = [
        ["service.pgVersion", shorthand],
        ["service.pgUserConfig.pgVersion", part?.pgVersion],
    ];
    for (const [field, value] of versions) {
        if (value === undefined || value === null) continue;
        const result = pgVersionSchema.safeParse(value);
        if (!result.success) problems.push(`${field}: ${result.error.issues[0].message}`);
    }
    if (shorthand != null && part?.pgVersion != null && shorthand !== part.pgVersion) {
        problems.push(`service.pgVersion is ${show(shorthand)} but service.pgUserConfig.pgVersion is ${show(part.pgVersion)}: set the version once`);
    }

    const expected = aivenPgauditBlock(audit);
    let callers: PgAuditConfig = {};
    if (part?.pgaudit != null) {
        const result = pgAuditConfigSchema.safeParse(part.pgaudit);
        if (!result.success) problems.push(...describeIssues(result.error, "service.pgUserConfig.pgaudit", PGAUDIT_CONFIG_KEYS));
        else callers = result.data;
    }
    for (const [key, value] of Object.entries(callers)) {
        const ours = (expected as Record<string, unknown>)[key];
        if (ours === undefined || sameSetting(key, value, ours)) continue;
        const byDefault = key === "featureEnabled" && audit.featureEnabled === undefined ? " (its default)" : "";
        problems.push(
            `service.pgUserConfig.pgaudit.${key} is ${show(value)} but audit.${key} is ${show(ours)}${byDefault}: ` +
                `declare the service's pgaudit settings once, in audit, and remove service.pgUserConfig.pgaudit.${key}`,
        );
    }
    if (problems.length > 0) throw new PgAuditInputError(subject, problems);
    const pgVersion = (shorthand ?? part?.pgVersion ?? undefined) as string | undefined;
    return { pgaudit: { ...callers, ...expected }, ...(pgVersion !== undefined ? { pgVersion } : {}) };
}

function isDeferred(value: unknown): boolean {
    return pulumi.Output.isInstance(value) || (value !== null && typeof value === "object" && typeof (value as { then?: unknown }).then === "function");
}

function pick<T, K extends keyof T>(value: pulumi.Input<T>, key: K): pulumi.Input<T[K]> {
    return pulumi.Output.isInstance(value) ? value.apply((v) => v[key]) : (value as T)[key];
}

/**
 * The `aiven.Pg` arguments of a declared service, with `audit` merged into `pgUserConfig.pgaudit`
 * and the `pgVersion` shorthand moved to `pgUserConfig.pgVersion`. Fails now when the values are
 * plain, else when they resolve.
 */
export function declareService(
    subject: string,
    project: pulumi.Input<string>,
    service: PgServiceArgs,
    audit: pulumi.Input<PgAuditConfig>,
): { args: aiven.PgArgs; audit: pulumi.Input<ServiceAudit> } {
    if ("project" in service) {
        throw new PgAuditInputError(subject, ["service.project: set the project once, in project"]);
    }
    const { pgVersion: shorthand, pgUserConfig, ...pgArgs } = service;
    const part: pulumi.Input<UserConfigPart> = isDeferred(pgUserConfig)
        ? pulumi.output(pgUserConfig).apply((c) => ({ pgaudit: c?.pgaudit, pgVersion: c?.pgVersion }))
        : {
              pgaudit: (pgUserConfig as aiven.types.input.PgPgUserConfig | undefined)?.pgaudit,
              pgVersion: (pgUserConfig as aiven.types.input.PgPgUserConfig | undefined)?.pgVersion,
          };
    const resolved = whenKnown([part, audit, shorthand], (plain) => {
        const [p, a, v] = plain as [UserConfigPart, PgAuditConfig, unknown];
        return reconcileDeclared(subject, p, a, v);
    });
    let merged: pulumi.Input<aiven.types.input.PgPgUserConfig>;
    if (isDeferred(pgUserConfig)) {
        merged = pulumi.all([pgUserConfig, resolved]).apply(([c, r]) => ({ ...(c ?? {}), pgaudit: r.pgaudit, pgVersion: r.pgVersion }));
    } else {
        const version = pick(resolved, "pgVersion");
        merged = {
            ...((pgUserConfig as aiven.types.input.PgPgUserConfig | undefined) ?? {}),
            pgaudit: pick(resolved, "pgaudit"),
            ...(version !== undefined ? { pgVersion: version as pulumi.Input<string> } : {}),
        };
    }
    return { args: { ...pgArgs, project, pgUserConfig: merged }, audit: resolved };
}

/**
 * Checks that a service the user keeps carries `audit`: pgaudit enabled, and every key `audit`
 * declares set to the same value there (keys `audit` leaves out are not compared, since Aiven may
 * report its defaults for them).
 */
export function checkKeptService(subject: string, userConfig: unknown, audit: PgAuditConfig): ServiceAudit {
    const config = definedMembers(userConfig);
    const actual = definedMembers(config.pgaudit);
    const expected = aivenPgauditBlock(audit);
    const spread = `spread pgAuditUserConfig(audit) into its pgUserConfig, e.g. pgUserConfig: { ...pgAuditUserConfig(audit), pgVersion: "16" }`;
    const problems: string[] = [];
    if (expected.featureEnabled && actual.featureEnabled !== true) {
        // The rest of the block is moot while pgaudit is off: one message says it all.
        const field = config.pgaudit === undefined ? "service.pgUserConfig.pgaudit" : "service.pgUserConfig.pgaudit.featureEnabled";
        problems.push(
            `${field} is ${show(config.pgaudit === undefined ? undefined : actual.featureEnabled)}, so pgaudit is not enabled on the service: ${spread}`,
        );
    } else {
        for (const [key, want] of Object.entries(expected)) {
            const have = actual[key];
            if (sameSetting(key, have, want)) continue;
            problems.push(`service.pgUserConfig.pgaudit.${key} is ${show(have)} but audit.${key} is ${show(want)}: ${spread}, so that both say the same`);
        }
    }
    if (problems.length > 0) throw new PgAuditInputError(subject, problems);
    const pgVersion = typeof config.pgVersion === "string" ? config.pgVersion : undefined;
    return { pgaudit: { ...actual, ...expected }, ...(pgVersion !== undefined ? { pgVersion } : {}) };
}

/** Validates `audit`: now when plain, else once it resolves. */
export function resolveAudit(subject: string, audit: unknown): pulumi.Input<PgAuditConfig> {
    return whenKnown(audit, (plain) => parsePgAuditConfig(subject, "audit", plain));
}
