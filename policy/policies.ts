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
import { pgNameSchema, settingsSchema } from "../provider/core/schema";
import type { SettingValues } from "../provider/core/settings";
import { serviceValues } from "../components/baselineConfig";
import { MIN_SCOPED_PG_VERSION } from "../components/pgVersion";

/** The type token of an Aiven for PostgreSQL service, as the policy pack sees it. */
export const PG_TYPE = "aiven:index/pg:Pg";
/** The type token of PgAuditSetting, as the policy pack sees it. */
export const SETTING_TYPE = "pulumi-nodejs:dynamic/pgaudit:PgAuditSetting";
/** The type token of PgAuditScopes, as the policy pack sees it. */
export const SCOPES_TYPE = "pulumi-nodejs:dynamic/pgaudit:PgAuditScopes";
/** The type token of PgAuditExclusive, as the policy pack sees it. */
export const EXCLUSIVE_TYPE = "pulumi-nodejs:dynamic/pgaudit:PgAuditExclusive";
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
    exceptions: z.array(z.strictObject({ role: pgNameSchema.optional(), database: pgNameSchema.optional(), reason: z.string().trim().min(1) })).optional(),
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

const where = (s: Exception) =>
    s.role !== undefined && s.database !== undefined
        ? `role "${s.role}" in database "${s.database}"`
        : s.role !== undefined
          ? `role "${s.role}"`
          : `database "${s.database}"`;

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
    const pgaudit = (args.props.pgUserConfig as { pgaudit?: Record<string, unknown> } | undefined)?.pgaudit ?? {};
    const values = serviceValues({ ...pgaudit, featureEnabled: pgaudit.featureEnabled === true });
    for (const f of evaluateBaseline(baseline, values, { defaults: PGAUDIT_DEFAULTS })) {
        const field = f.setting === "enabled" ? "pgUserConfig.pgaudit.featureEnabled" : `pgUserConfig.pgaudit.${f.setting === "log" ? "logs" : f.setting}`;
        const fix =
            f.setting === "enabled"
                ? "Fix: set pgUserConfig.pgaudit.featureEnabled = true"
                : f.setting === "log"
                  ? `Fix: include ${(f.lacks ?? []).join(", ")} in pgUserConfig.pgaudit.logs`
                  : `Fix: set pgUserConfig.pgaudit.${f.setting} = ${JSON.stringify(f.rule.kind === "setting" ? f.rule.value : undefined)}`;
        report(message(`aiven.Pg "${args.name}"`, field, f, baseline, fix));
    }
}

/** Checks one scope's declared settings; an unset setting is inherited, so not this scope's doing. */
function checkScope(
    resource: string,
    at: string,
    scope: Exception,
    settings: unknown,
    report: ReportViolation,
    baseline: Baseline,
    exceptions: Exception[],
): void {
    const parsed = settingsSchema.safeParse(settings);
    // Invalid settings fail the resource's own check at preview, with a better message.
    if (!parsed.success) return;
    if (exceptions.some((e) => e.role === scope.role && e.database === scope.database)) return;
    for (const f of evaluateBaseline(baseline, { settings: parsed.data as SettingValues })) {
        const fix =
            f.setting === "log"
                ? `Fix: include ${(f.lacks ?? []).join(", ")} in ${at}.log`
                : `Fix: set ${at}.${f.setting} = ${JSON.stringify(f.rule.kind === "setting" ? f.rule.value : undefined)}`;
        report(message(`${resource} (${where(scope)})`, `${at}.${f.setting}`, f, baseline, `${fix}, or grant an exception in the policy pack's configuration`));
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
            if (args.type === SETTING_TYPE) {
                const scope = { role: args.props.role as string | undefined, database: args.props.database as string | undefined };
                return checkScope(`PgAuditSetting "${args.name}"`, "settings", scope, args.props.settings, report, baseline, exceptions);
            }
            const scopes = Array.isArray(args.props.scopes) ? (args.props.scopes as { role?: string; database?: string; settings?: unknown }[]) : [];
            scopes.forEach((s, i) =>
                checkScope(
                    `PgAuditScopes "${args.name}"`,
                    `scopes[${i}].settings`,
                    { role: s.role, database: s.database },
                    s.settings,
                    report,
                    baseline,
                    exceptions,
                ),
            );
        },
    };
    const versionPolicy: StackValidationPolicy = {
        name: VERSION_POLICY,
        description: `Per-database and per-role pgaudit settings target Aiven for PostgreSQL ${MIN_SCOPED_PG_VERSION}+ (Aiven grants avnadmin SET on pgaudit.* from ${MIN_SCOPED_PG_VERSION}).`,
        enforcementLevel: enforcementLevel ?? "mandatory",
        validateStack: (args: StackValidationArgs, report) => {
            for (const resource of args.resources) {
                if (!PER_SCOPE_TYPES.includes(resource.type)) continue;
                for (const pg of servicesOf(resource, args.resources)) {
                    const version = (pg.props.pgUserConfig as { pgVersion?: unknown } | undefined)?.pgVersion;
                    if (typeof version !== "string" || Number(version) >= MIN_SCOPED_PG_VERSION) continue;
                    const kind = resource.type.slice(resource.type.lastIndexOf(":") + 1);
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
    if (found.size === 0 && resource.parent) {
        for (const r of all) if (r.type === PG_TYPE && r.parent?.urn === resource.parent.urn) found.set(r.urn, r);
    }
    return [...found.values()];
}
