/**
 * `baseline` and `exceptions` of PgAuditLogging: the baseline fills the service-level pgaudit
 * block with what it requires and refuses a weaker one, and refuses any per-scope setting that
 * would make the sessions of a scope weaker than the baseline unless an exception names that
 * scope with a reason. The outputs record the baseline and every exception, for auditors.
 */
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { resolveBaseline, ruleLabel, type Baseline, type BaselineInput } from "../baselines";
import { evaluateBaseline, PGAUDIT_DEFAULTS, type Finding } from "../baselines/evaluate";
import { baselineExceptionSchema, type BaselineException } from "../baselines/exception";
import { serviceValues } from "../baselines/serviceValues";
import { settingsSchema } from "../model/settingsSchema";
import { describeGroup, describeScope } from "../model/scope";
import type { PgAuditConfig } from "../model/serviceAudit";
import { PgAuditInputError } from "../model/errors";
import { describeIssues } from "../model/inputFailures";
import { isPlain, whenKnown } from "../model/known";
import type { GroupDeclaration } from "./groups";
import type { ScopeDeclaration } from "./scopes";
import type { ServiceAudit } from "./serviceConfig";

/** What the `baseline` output records. */
export interface BaselineRecord {
    readonly name: string;
    readonly title: string;
    readonly document: string;
    readonly version: string;
    readonly rules: { readonly id: string; readonly says: string; readonly references: string[] }[];
    /** Each exception as declared, with the rules it excuses (empty until the scope's settings are known). */
    readonly exceptions: { readonly role?: string; readonly database?: string; readonly reason: string; readonly excuses: string[] }[];
}

/** What a baseline changes in the component's plan. */
export interface CheckedBaseline {
    readonly baseline: Baseline;
    /** The service-level block, filled with what the baseline requires and checked. */
    readonly audit: pulumi.Input<PgAuditConfig>;
    /** The per-scope settings, checked (now when plain, else once known). */
    readonly scopes: ScopeDeclaration[];
    /** The group scopes, checked the same way. */
    readonly groups: GroupDeclaration[];
    readonly record: pulumi.Output<BaselineRecord>;
}

interface ComponentBaselineArgs {
    readonly baseline?: string | BaselineInput;
    readonly exceptions?: BaselineException[];
}

const exceptionLiteral = (s: { role?: string; database?: string }) =>
    `{ ${[s.role !== undefined ? `role: ${JSON.stringify(s.role)}` : "", s.database !== undefined ? `database: ${JSON.stringify(s.database)}` : ""].filter(Boolean).join(", ")}, reason: "…" }`;

/** What to change at `field` so that the finding goes away. */
function fixAt(field: string, f: Finding): string {
    if (f.setting === "log") return `include ${(f.lacks ?? []).join(", ")} in ${field}.log`;
    if (f.rule.kind === "server-log") return `remove ${field}.logClient (or set it to false), or set ${field}.logLevel to "log"`;
    return `set ${field}.${f.setting} to ${JSON.stringify(f.rule.kind === "setting" ? f.rule.value : undefined)}`;
}

/** `audit.logs = ["ddl"] lacks role, read, write` / `audit.featureEnabled is false`. */
function serviceProblem(at: string, finding: Finding): string {
    if (finding.setting === "enabled") return `${at}.featureEnabled is false: ${finding.problem}`;
    const field = `${at}.${finding.setting === "log" ? "logs" : finding.setting}`;
    const actual = finding.defaulted ? `is not set (pgaudit's default: ${JSON.stringify(finding.actual)})` : `= ${JSON.stringify(finding.actual)}`;
    return `${field} ${actual} ${finding.problem}`;
}

/** The baseline's requirements as a service-level block: the classes of every `classes` rule, every pinned setting. */
function requiredBlock(baseline: Baseline): PgAuditConfig {
    const block: Record<string, unknown> = {};
    const classes: string[] = [];
    for (const rule of baseline.rules) {
        if (rule.kind === "enabled") block.featureEnabled = true;
        else if (rule.kind === "classes") classes.push(...rule.classes.filter((c) => !classes.includes(c)));
        else if (rule.kind === "setting") block[rule.setting] = rule.value;
        // server-log: pgaudit's defaults (log_client off) already meet it; nothing to fill.
    }
    if (classes.length > 0) block.logs = classes;
    return block;
}

/** Fills what `audit` leaves unset with what the baseline requires, then refuses what is still weaker. */
function fillAndCheck(subject: string, baseline: Baseline, audit: PgAuditConfig, filled: boolean): PgAuditConfig {
    const merged = filled ? { ...requiredBlock(baseline), ...audit } : audit;
    // A declared service gets pgaudit's defaults where the block is silent; a kept one is checked on the service itself
    // (checkKeptServiceBaseline), so here only the keys `audit` declares.
    const findings = evaluateBaseline(baseline, serviceValues(merged), filled ? { defaults: PGAUDIT_DEFAULTS } : {});
    if (findings.length > 0) {
        throw new PgAuditInputError(
            subject,
            findings.map((f) => `${serviceProblem("audit", f)}: weaker than ${ruleLabel(baseline, f.rule)}. ${serviceFix(f)}`),
        );
    }
    return merged;
}

function serviceFix(f: Finding): string {
    if (f.setting === "enabled") return "Fix: remove audit.featureEnabled (the component enables pgaudit)";
    if (f.setting === "log") return `Fix: include ${(f.lacks ?? []).join(", ")} in audit.logs, or leave audit.logs unset for the baseline to fill`;
    if (f.rule.kind === "server-log") return `Fix: set audit.logClient to false (or leave it unset), or audit.logLevel to "log"`;
    return `Fix: set audit.${f.setting} to ${JSON.stringify(f.rule.kind === "setting" ? f.rule.value : undefined)}, or leave it unset for the baseline to fill`;
}

/**
 * Checks a kept service's pgaudit block (as the service reports it, Aiven's defaults where it is
 * silent) against the baseline; returns the service audit unchanged.
 */
export function checkKeptServiceBaseline(subject: string, plan: CheckedBaseline | undefined, service: ServiceAudit): ServiceAudit {
    if (!plan) return service;
    const findings = evaluateBaseline(plan.baseline, serviceValues(service.pgaudit), { defaults: PGAUDIT_DEFAULTS });
    if (findings.length > 0) {
        throw new PgAuditInputError(
            subject,
            findings.map(
                (f) =>
                    `${serviceProblem("service.pgUserConfig.pgaudit", f)}: weaker than ${ruleLabel(plan.baseline, f.rule)}. Fix: set it in the service's pgUserConfig.pgaudit (pgAuditUserConfig(audit) with audit meeting the baseline)`,
            ),
        );
    }
    return service;
}

/** The baseline's plan, or undefined without `baseline`; throws naming every problem found now. */
export function checkBaselineArgs(
    subject: string,
    args: ComponentBaselineArgs,
    audit: pulumi.Input<PgAuditConfig> | undefined,
    scopes: ScopeDeclaration[],
    groups: GroupDeclaration[],
    kept: boolean,
): CheckedBaseline | undefined {
    const problems: string[] = [];
    const raw = args.baseline as unknown;
    if (raw === undefined) {
        if (args.exceptions !== undefined) problems.push(`exceptions: excuse scopes from a baseline; set baseline too, e.g. baseline: "stig"`);
        if (problems.length) throw new PgAuditInputError(subject, problems);
        return undefined;
    }
    if (typeof raw !== "string" && (raw === null || typeof raw !== "object" || !isPlain(raw))) {
        throw new PgAuditInputError(subject, [
            `baseline: must be a plain value: a shipped baseline's name ("stig", "cis") or a baseline object (defineBaseline)`,
        ]);
    }
    let baseline: Baseline;
    try {
        baseline = resolveBaseline(raw as string | BaselineInput);
    } catch (err) {
        throw new PgAuditInputError(subject, [`baseline: ${(err as Error).message}`]);
    }

    const exceptions: z.output<typeof baselineExceptionSchema>[] = [];
    if (args.exceptions !== undefined && !Array.isArray(args.exceptions)) {
        problems.push(`exceptions: must be a list of { role?, database?, reason }`);
    }
    (Array.isArray(args.exceptions) ? args.exceptions : []).forEach((entry, index) => {
        const parsed = baselineExceptionSchema.safeParse(entry);
        if (!parsed.success) {
            problems.push(...describeIssues(parsed.error, `exceptions[${index}]`, { known: ["role", "database", "reason"] }));
            return;
        }
        const e = parsed.data;
        if (!scopes.some((s) => s.role === e.role && s.database === e.database)) {
            problems.push(
                `exceptions[${index}]: ${describeScope(e)} has no per-scope settings here; an exception names a scope of databases, roles or roleDatabases`,
            );
        }
        exceptions.push(e);
    });
    const excuses = exceptions.map(() => new Set<string>());
    const exceptionFor = (scope: ScopeDeclaration) => exceptions.findIndex((e) => e.role === scope.role && e.database === scope.database);

    // Scopes whose settings are plain are checked now; the others once they resolve, which still fails the preview.
    const checkScope = (scope: ScopeDeclaration, settings: unknown) => {
        const parsed = settingsSchema.safeParse(settings);
        if (!parsed.success) return settings; // scopeDeclarations (or PgAuditSetting's check) reports it
        const findings = evaluateBaseline(baseline, { settings: parsed.data });
        const index = exceptionFor(scope);
        if (index >= 0) {
            findings.forEach((f) => excuses[index].add(f.rule.id));
            return settings;
        }
        if (findings.length > 0) {
            throw new PgAuditInputError(
                subject,
                findings.map(
                    (f) =>
                        `${scope.field}.${f.setting} = ${JSON.stringify(f.actual)} ${f.problem}: sessions of ${describeScope(scope)} would be weaker than ${ruleLabel(baseline, f.rule)}. ` +
                        `Fix: ${fixAt(scope.field, f)}, or list the scope in exceptions: [${exceptionLiteral(scope)}]`,
                ),
            );
        }
        return settings;
    };
    const checked: ScopeDeclaration[] = [];
    const pending: pulumi.Output<unknown>[] = [];
    for (const scope of scopes) {
        try {
            const settings = whenKnown(scope.settings, (plain) => checkScope(scope, plain));
            if (pulumi.Output.isInstance(settings)) pending.push(settings);
            checked.push({ ...scope, settings: settings as ScopeDeclaration["settings"] });
        } catch (err) {
            if (err instanceof PgAuditInputError) problems.push(...err.problems);
            else throw err;
        }
    }
    // Each member of a group gets at least its settings (a member of two gets the union), so a group
    // weaker than the baseline makes a member weaker; no exception names a group, whose members change.
    const checkGroup = (g: GroupDeclaration, settings: unknown) => {
        const parsed = settingsSchema.safeParse(settings);
        if (!parsed.success) return settings; // planGroups reports it
        const findings = evaluateBaseline(baseline, { settings: parsed.data });
        if (findings.length > 0) {
            throw new PgAuditInputError(
                subject,
                findings.map(
                    (f) =>
                        `${g.field}.${f.setting} = ${JSON.stringify(f.actual)} ${f.problem}: sessions of ${describeGroup(g)} would be weaker than ${ruleLabel(baseline, f.rule)}. ` +
                        `Fix: ${fixAt(g.field, f)}; a group cannot be excused (its members change): declare a member that may be weaker in roles, with an exception`,
                ),
            );
        }
        return settings;
    };
    const checkedGroups: GroupDeclaration[] = [];
    for (const g of groups) {
        try {
            const settings = whenKnown(g.settings, (plain) => checkGroup(g, plain));
            if (pulumi.Output.isInstance(settings)) pending.push(settings);
            checkedGroups.push({ ...g, settings: settings as GroupDeclaration["settings"] });
        } catch (err) {
            if (err instanceof PgAuditInputError) problems.push(...err.problems);
            else throw err;
        }
    }
    exceptions.forEach((e, index) => {
        const scope = scopes.find((s) => s.role === e.role && s.database === e.database);
        if (scope && isPlain(scope.settings) && settingsSchema.safeParse(scope.settings).success && excuses[index].size === 0) {
            problems.push(
                `exceptions[${index}]: ${describeScope(e)} meets ${baseline.name}; remove the exception (one that excuses nothing misleads auditors)`,
            );
        }
    });

    let filled: pulumi.Input<PgAuditConfig> | undefined;
    try {
        filled = audit === undefined ? undefined : whenKnown(audit, (plain) => fillAndCheck(subject, baseline, plain as PgAuditConfig, !kept));
    } catch (err) {
        if (err instanceof PgAuditInputError) problems.push(...err.problems);
        else throw err;
    }
    if (problems.length > 0) throw new PgAuditInputError(subject, problems);

    const record = pulumi.all(pending).apply((): BaselineRecord => ({
        name: baseline.name,
        title: baseline.title,
        document: baseline.source.document,
        version: baseline.source.version,
        rules: baseline.rules.map((r) => ({ id: r.id, says: r.says, references: r.references.map((ref) => ref.id) })),
        exceptions: exceptions.map((e, i) => ({ ...e, excuses: [...excuses[i]] })),
    }));
    return { baseline, audit: filled ?? {}, scopes: checked, groups: checkedGroups, record };
}
