/**
 * Checks pgaudit values against a baseline's rules: pure, shared by the component (declared
 * values), the policy pack (values in a preview) and the posture gate (values a login session
 * gets). Classes are read as pgaudit builds its bitmap: left to right, `-class` subtracts, `misc`
 * includes `misc_set`.
 */
import { pgAuditLogCovers } from "../provider/core/pgauditLog";
import { encodeSetting, settingValueEquals, type SettingKey, type SettingValue } from "../provider/core/settings";
import type { Baseline, BaselineClass, BaselineRule } from "./baseline";

/** pgaudit's own defaults (pgaudit 1.7; Aiven documents the same), for settings a service leaves unset. */
export const PGAUDIT_DEFAULTS: Readonly<Partial<Record<SettingKey, SettingValue>>> = {
    log: [],
    logCatalog: true,
    logClient: false,
    logLevel: "log",
    logParameter: false,
    logParameterMaxSize: 0,
    logRelation: false,
    logRows: false,
    logStatement: true,
    logStatementOnce: false,
    logMaxStringLength: -1,
    logNestedStatements: true,
    role: "",
};

/** The pgaudit values at one place: a service's block, one scope's settings, one login session. */
export interface PgauditValues {
    /** Whether pgaudit is loaded; undefined where the place cannot say (a scope). */
    readonly enabled?: boolean;
    /** Values by setting; `log` as a list or pgaudit's comma string. A key left out is not set here. */
    readonly settings: Readonly<Partial<Record<SettingKey, SettingValue>>>;
}

/** One rule a place fails. */
export interface Finding {
    readonly rule: BaselineRule;
    readonly reason: "not-enabled" | "lacks-classes" | "value-unreadable" | "wrong-value";
    /** "enabled", or the setting whose value fails the rule. */
    readonly setting: "enabled" | SettingKey;
    /** The value found; undefined when unset and no default applies. */
    readonly actual: SettingValue | boolean | undefined;
    /** True when the place leaves the setting unset and `actual` is the default. */
    readonly defaulted: boolean;
    /** For `classes` rules: the required classes the value does not audit. */
    readonly lacks?: readonly BaselineClass[];
    /** What is wrong, to follow the value in a sentence: "lacks role, read". */
    readonly problem: string;
    /** What the rule wants, in PostgreSQL's terms: "ddl, role, read, write", "on". */
    readonly wants: string;
}

export interface EvaluateOptions {
    /**
     * Values for settings the place leaves unset: the server's defaults for a service. Without it,
     * an unset setting is not this place's doing (a scope inherits it) and is not checked.
     */
    readonly defaults?: Readonly<Partial<Record<SettingKey, SettingValue>>>;
}

function lackedClasses(value: SettingValue, classes: readonly BaselineClass[]): BaselineClass[] | undefined {
    const log = Array.isArray(value) ? (value as string[]) : String(value);
    try {
        return classes.filter((cls) => !pgAuditLogCovers(log, [cls]));
    } catch {
        return undefined;
    }
}

/** The rules of `baseline` that `values` fail, in rule order. */
export function evaluateBaseline(baseline: Baseline, values: PgauditValues, options: EvaluateOptions = {}): Finding[] {
    const findings: Finding[] = [];
    const lookup = (key: SettingKey): { actual: SettingValue | undefined; defaulted: boolean } => {
        const own = values.settings[key];
        if (own !== undefined) return { actual: own, defaulted: false };
        return { actual: options.defaults?.[key], defaulted: options.defaults !== undefined };
    };
    for (const rule of baseline.rules) {
        if (rule.kind === "enabled") {
            if (values.enabled === false) {
                findings.push({
                    rule,
                    reason: "not-enabled",
                    setting: "enabled",
                    actual: false,
                    defaulted: false,
                    problem: "pgaudit is not enabled, so nothing is audited",
                    wants: "enabled",
                });
            }
            continue;
        }
        if (rule.kind === "classes") {
            const wants = rule.classes.join(", ");
            if (values.enabled === false && !baseline.rules.some((r) => r.kind === "enabled")) {
                findings.push({
                    rule,
                    reason: "not-enabled",
                    setting: "log",
                    actual: undefined,
                    defaulted: false,
                    lacks: rule.classes,
                    problem: "pgaudit is not enabled, so no class is audited",
                    wants,
                });
                continue;
            }
            const { actual, defaulted } = lookup("log");
            if (actual === undefined) continue;
            const lacks = lackedClasses(actual, rule.classes);
            if (lacks === undefined) {
                findings.push({
                    rule,
                    reason: "value-unreadable",
                    setting: "log",
                    actual,
                    defaulted,
                    lacks: rule.classes,
                    problem: "is not a valid pgaudit class list",
                    wants,
                });
            } else if (lacks.length > 0) {
                findings.push({ rule, reason: "lacks-classes", setting: "log", actual, defaulted, lacks, problem: `lacks ${lacks.join(", ")}`, wants });
            }
            continue;
        }
        const { actual, defaulted } = lookup(rule.setting);
        if (actual === undefined || settingValueEquals(rule.setting, actual, rule.value)) continue;
        const wants = encodeSetting(rule.setting, rule.value);
        findings.push({ rule, reason: "wrong-value", setting: rule.setting, actual, defaulted, problem: `is not ${wants}`, wants });
    }
    return findings;
}
