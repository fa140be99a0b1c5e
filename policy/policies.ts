/**
 * The policies of the pgaudit policy pack, as @pulumi/policy's public types describe them: a
 * baseline check of every `aiven.Pg`, `PgAuditSetting` and `PgAuditScopes` in a preview, and a
 * stack check that per-scope settings only target PostgreSQL 15+. Imports only @pulumi/policy's
 * types, so that code can build its own pack from these (`pgAuditPolicies({ baseline })`).
 */
import type {
    PolicyResource,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
    EnforcementLevel,
} from "@pulumi/policy";
import { z } from "zod";
import { resolveBaseline, ruleLabel, type Baseline, type BaselineInput } from "../baselines";
import { evaluateBaseline, PGAUDIT_DEFAULTS, type Finding } from "../baselines/evaluate";
import {
    firstUnreadable,
    readProperty,
    UNKNOWN_AT_PREVIEW,
    scopesScopes,
    scopeWords,
    settingScopes,
    Unreadable,
    type DeclaredScope,
} from "../model/checkedInputs";
import { baselineExceptionSchema } from "../baselines/exception";
import { isGroupScope } from "../model/scope";
import { serviceValues } from "../baselines/serviceValues";
import { MIN_SCOPED_PG_VERSION } from "../model/pgVersion";

/** The type token of an Aiven for PostgreSQL service, as the policy pack sees it. */
export const PG_TYPE = "aiven:index/pg:Pg";
/** The type token of PgAuditSetting, as the policy pack sees it. */
export const SETTING_TYPE = "pulumi-nodejs:dynamic/pgaudit:PgAuditSetting";
/** The type token of PgAuditScopes, as the policy pack sees it. */
export const SCOPES_TYPE = "pulumi-nodejs:dynamic/pgaudit:PgAuditScopes";
/** The type token of PgAuditExclusive, as the policy pack sees it. */
export const EXCLUSIVE_TYPE = "pulumi-nodejs:dynamic/pgaudit:PgAuditExclusive";
const STACK_TYPE = "pulumi:pulumi:Stack";
/** Resources that write per-database or per-role settings, which Aiven allows from PostgreSQL 15. */
const PER_SCOPE_TYPES = [SETTING_TYPE, SCOPES_TYPE, EXCLUSIVE_TYPE];

/** The name of the policy that holds a stack to its baseline. */
export const BASELINE_POLICY = "pgaudit-baseline";
/** The name of the policy that refuses per-scope settings below PostgreSQL 15. */
export const VERSION_POLICY = "pgaudit-scoped-settings-version";

/** The pack's configuration of the baseline policy (`--policy-pack-config`), also what pgAuditPolicies takes. */
export const baselinePolicyConfigSchema = z.strictObject({
    /** "stig", "cis", or a baseline object (the shape defineBaseline takes). Default "stig". */
    baseline: z.union([z.string(), z.record(z.string(), z.unknown())]).optional(),
    /**
     * Scopes allowed to be weaker, each with its reason. Only the pack's configuration grants them:
     * exceptions declared in the program under review (PgAuditLogging's) are not trusted here.
     */
    exceptions: z.array(baselineExceptionSchema).optional(),
});
/** The policy pack's configuration: the baseline, enforcement, exceptions. */
export type BaselinePolicyConfig = z.input<typeof baselinePolicyConfigSchema>;

interface Exception {
    readonly role?: string;
    readonly database?: string;
}

function configured(args: { getConfig<T extends object>(): T }, defaults: BaselinePolicyConfig): { baseline: Baseline; exceptions: Exception[] } {
    const raw = { ...defaults, ...args.getConfig<BaselinePolicyConfig>() };
    const parsed = baselinePolicyConfigSchema.safeParse(raw);
    if (!parsed.success)
        throw new Error(
            `policy ${BASELINE_POLICY} configuration: ${parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ")}`,
        );
    return { baseline: resolveBaseline((parsed.data.baseline ?? "stig") as string | BaselineInput), exceptions: parsed.data.exceptions ?? [] };
}

function message(resource: string, field: string, f: Finding, baseline: Baseline, fix: string): string {
    const actual =
        f.setting === "enabled"
            ? " is not true:"
            : f.defaulted
              ? ` is not set (pgaudit's default: ${JSON.stringify(f.actual)}) and`
              : ` = ${JSON.stringify(f.actual)}`;
    return `${resource}: ${field}${actual} ${f.problem}: weaker than ${ruleLabel(baseline, f.rule)}. ${fix}`;
}

function checkPg(args: ResourceValidationArgs, report: ReportViolation, baseline: Baseline): void {
    const resource = `aiven.Pg "${args.name}"`;
    const config = readProperty(args.props, "pgUserConfig");
    const pgaudit = config === undefined ? {} : isRecord(config) ? (config.pgaudit ?? {}) : config;
    const unreadable = firstUnreadable(pgaudit) ?? (isRecord(pgaudit) ? undefined : new Unreadable("pgUserConfig.pgaudit", "is not an object"));
    if (unreadable) return report(cannotRead(resource, unreadable, baseline));
    const block = pgaudit as Record<string, unknown>;
    const values = serviceValues({ ...block, featureEnabled: block.featureEnabled === true });
    for (const f of evaluateBaseline(baseline, values, { defaults: PGAUDIT_DEFAULTS })) {
        const field = f.setting === "enabled" ? "pgUserConfig.pgaudit.featureEnabled" : `pgUserConfig.pgaudit.${f.setting === "log" ? "logs" : f.setting}`;
        const fix =
            f.setting === "enabled"
                ? "Fix: set pgUserConfig.pgaudit.featureEnabled = true"
                : f.setting === "log"
                  ? `Fix: include ${(f.lacks ?? []).join(", ")} in pgUserConfig.pgaudit.logs`
                  : `Fix: ${remedyText("pgUserConfig.pgaudit", f)}`;
        report(message(resource, field, f, baseline, fix));
    }
}

/** `set settings.logClient = false`: what the finding's remedy sets, at `place`. */
const remedyText = (place: string, f: Finding) =>
    Object.entries(f.remedy)
        .map(([key, value]) => `set ${place}.${key} = ${JSON.stringify(value)}`)
        .join(" and ");

const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v) && !(v instanceof Unreadable);

/** What the pack could not read is a violation: a gate that cannot see a value does not pass it. */
function cannotRead(resource: string, what: Unreadable, baseline: Baseline): string {
    const fix =
        what.why === UNKNOWN_AT_PREVIEW
            ? "Fix: give it a value known at preview (not another resource's output), or run the pack on pulumi up, where every input is known"
            : "Fix: declare it as the resource's inputs document; this is not a shape the resource's check writes";
    return `${resource}: ${what.at} ${what.why}, so it cannot be checked against ${baseline.name}: the pack fails closed. ${fix}`;
}

/** Checks one scope's declared settings; an unset setting is inherited, so not this scope's doing. */
function checkScope(resource: string, declared: DeclaredScope, report: ReportViolation, baseline: Baseline, exceptions: Exception[]): void {
    const { at, scope, settings } = declared;
    // A whole property unknown (PgAuditScopes' groups) names no scope of its own.
    if (settings instanceof Unreadable) return report(cannotRead(scope === settings ? resource : `${resource} (${scopeWords(scope)})`, settings, baseline));
    // A name no check writes is a foreign or edited resource; a name unknown at preview matters only if the scope is weaker.
    if (scope instanceof Unreadable && scope.why !== UNKNOWN_AT_PREVIEW) return report(cannotRead(resource, scope, baseline));
    const findings = evaluateBaseline(baseline, { settings });
    if (findings.length === 0) return;
    // A weaker scope passes only when the configuration excuses it, which needs its name.
    if (scope instanceof Unreadable) return report(cannotRead(resource, scope, baseline));
    // An exception names a role or database scope; a group's members change, so a group is never excused.
    const group = isGroupScope(scope);
    if (!group && exceptions.some((e) => e.role === scope.role && e.database === scope.database)) return;
    // PgAuditScopes' check keys the scopes by name; the program holds them in a list or a component's maps.
    const place = at === "settings" ? "settings" : "the scope's settings";
    for (const f of findings) {
        const fix = f.setting === "log" ? `Fix: include ${(f.lacks ?? []).join(", ")} in ${place}.log` : `Fix: ${remedyText(place, f)}`;
        const or = group
            ? "or declare a member that may be weaker on its own, with an exception in the policy pack's configuration"
            : "or grant an exception in the policy pack's configuration";
        report(message(`${resource} (${scopeWords(scope)})`, `${at}.${f.setting}`, f, baseline, `${fix}, ${or}`));
    }
}

/** The pack's policies; `defaults` is the configuration a `--policy-pack-config` entry overrides. */
export function pgAuditPolicies(
    defaults: BaselinePolicyConfig & { enforcementLevel?: EnforcementLevel } = {},
): [ResourceValidationPolicy, StackValidationPolicy] {
    const { enforcementLevel, ...config } = defaults;
    const baselinePolicy: ResourceValidationPolicy = {
        name: BASELINE_POLICY,
        description:
            "Aiven for PostgreSQL services, and their per-database and per-role pgaudit settings, meet a compliance baseline (STIG, CIS, or your own).",
        enforcementLevel: enforcementLevel ?? "mandatory",
        configSchema: {
            properties: {
                baseline: { type: ["string", "object"], description: 'A shipped baseline ("stig", "cis") or your own baseline object. Default "stig".' },
                exceptions: {
                    type: "array",
                    description: "Scopes allowed to be weaker: { role?, database?, reason }.",
                    items: {
                        type: "object",
                        properties: { role: { type: "string" }, database: { type: "string" }, reason: { type: "string", minLength: 1 } },
                        required: ["reason"],
                    },
                },
            },
        },
        validateResource: (args, report) => {
            if (args.type !== PG_TYPE && args.type !== SETTING_TYPE && args.type !== SCOPES_TYPE) return;
            const { baseline, exceptions } = configured(args, config);
            if (args.type === PG_TYPE) return checkPg(args, report, baseline);
            const resource = `${args.type === SETTING_TYPE ? "PgAuditSetting" : "PgAuditScopes"} "${args.name}"`;
            const scopes = args.type === SETTING_TYPE ? settingScopes(args.props) : scopesScopes(args.props);
            if (scopes instanceof Unreadable) return report(cannotRead(resource, scopes, baseline));
            for (const declared of scopes) checkScope(resource, declared, report, baseline, exceptions);
        },
    };
    const versionPolicy: StackValidationPolicy = {
        name: VERSION_POLICY,
        description: `Per-database and per-role pgaudit settings target Aiven for PostgreSQL ${MIN_SCOPED_PG_VERSION}+ (Aiven grants avnadmin SET on pgaudit.* from ${MIN_SCOPED_PG_VERSION}).`,
        enforcementLevel: enforcementLevel ?? "mandatory",
        validateStack: (args: StackValidationArgs, report) => {
            for (const resource of args.resources) {
                if (!PER_SCOPE_TYPES.includes(resource.type)) continue;
                const kind = resource.type.slice(resource.type.lastIndexOf(":") + 1);
                for (const pg of servicesOf(resource, args.resources)) {
                    const config = readProperty(pg.props, "pgUserConfig");
                    const version = isRecord(config) ? config.pgVersion : config;
                    if (version instanceof Unreadable) {
                        report(
                            `${kind} "${resource.name}" writes per-scope pgaudit settings on aiven.Pg "${pg.name}", whose ${version.at} ${version.why}: ` +
                                `the pack cannot tell whether Aiven allows them (PostgreSQL ${MIN_SCOPED_PG_VERSION}+) and fails closed. Fix: set pgUserConfig.pgVersion to a known value`,
                            resource.urn,
                        );
                        continue;
                    }
                    // Unset: Aiven's default for new services, which is above 15.
                    if (typeof version !== "string" || Number(version) >= MIN_SCOPED_PG_VERSION) continue;
                    report(
                        `${kind} "${resource.name}" writes per-scope pgaudit settings on aiven.Pg "${pg.name}", whose pgUserConfig.pgVersion is "${version}": ` +
                            `Aiven allows them from PostgreSQL ${MIN_SCOPED_PG_VERSION}. Fix: upgrade the service (pgVersion "${MIN_SCOPED_PG_VERSION}" or later), or remove the per-scope settings`,
                        resource.urn,
                    );
                }
            }
        },
    };
    return [baselinePolicy, versionPolicy];
}

/**
 * The aiven.Pg services a per-scope resource writes to: those it depends on (directly, through an
 * input such as its connection, or transitively), or, failing that, the services declared beside
 * it under the same parent (PgAuditLogging's children).
 */
function servicesOf(resource: PolicyResource, all: PolicyResource[]): PolicyResource[] {
    const found = new Map<string, PolicyResource>();
    const seen = new Set<string>();
    const visit = (r: PolicyResource) => {
        for (const dep of [...(r.dependencies ?? []), ...Object.values(r.propertyDependencies ?? {}).flat()]) {
            if (seen.has(dep.urn)) continue;
            seen.add(dep.urn);
            if (dep.type === PG_TYPE) found.set(dep.urn, dep);
            else visit(dep);
        }
    };
    visit(resource);
    // Under the stack itself, "beside it" would be every service of the program: only a component's children count.
    if (found.size === 0 && resource.parent && resource.parent.type !== STACK_TYPE) {
        for (const r of all) if (r.type === PG_TYPE && r.parent?.urn === resource.parent.urn) found.set(r.urn, r);
    }
    return [...found.values()];
}
