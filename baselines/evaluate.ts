/**
 * Checks pgaudit values against a baseline's rules: pure, shared by the component (declared
 * values), the policy pack (values in a preview) and the posture gate (values a login session
 * gets). Classes are read as pgaudit builds its bitmap: left to right, `-class` subtracts, `misc`
 * includes `misc_set`.
 */
import { auditLossText, auditRouting, LOG_MIN_MESSAGES_DEFAULT } from "../model/auditRouting";
import { pgAuditLogCovers } from "../model/pgauditLog";
import { encodeSetting, settingValueEquals, type SettingKey, type SettingValue } from "../model/settings";
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
    /**
     * PostgreSQL's log_min_messages where the place is (a core setting, not pgaudit's): decides
     * whether the AUDIT lines reach the server log. Unset: PostgreSQL's default, warning.
     */
    readonly logMinMessages?: string;
}

/** One rule a place fails. */
export interface Finding {
    readonly rule: BaselineRule;
    readonly reason: "not-enabled" | "lacks-classes" | "value-unreadable" | "wrong-value" | "not-in-server-log";
    /** "enabled", or the setting whose value fails the rule. */
    readonly setting: "enabled" | SettingKey;
    /** The value found; undefined when unset and no default applies. */
    readonly actual: SettingValue | undefined;
    /** True when the place leaves the setting unset and `actual` is the default. */
    readonly defaulted: boolean;
    /** For `classes` rules: the required classes the value does not audit. */
    readonly lacks?: readonly BaselineClass[];
    /** What is wrong, to follow the value in a sentence: "lacks role, read". */
    readonly problem: string;
    /** What the rule wants, in PostgreSQL's terms: "ddl, role, read, write", "on". */
    readonly wants: string;
    /** Settings that would make the place meet the rule (`{ logClient: false }`); what a message's fix names. */
    readonly remedy: Readonly<Partial<Record<SettingKey, SettingValue>>>;
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
                    remedy: {},
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
                    remedy: { log: rule.classes },
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
                    remedy: { log: rule.classes },
                });
            } else if (lacks.length > 0) {
                findings.push({
                    rule,
                    reason: "lacks-classes",
                    setting: "log",
                    actual,
                    defaulted,
                    lacks,
                    problem: `lacks ${lacks.join(", ")}`,
                    wants,
                    remedy: { log: rule.classes },
                });
            }
            continue;
        }
        if (rule.kind === "server-log") {
            const finding = serverLogFinding(rule, lookup, values.logMinMessages);
            if (finding) findings.push(finding);
            continue;
        }
        const { actual, defaulted } = lookup(rule.setting);
        if (actual === undefined || settingValueEquals(rule.setting, actual, rule.value)) continue;
        const wants = encodeSetting(rule.setting, rule.value);
        findings.push({
            rule,
            reason: "wrong-value",
            setting: rule.setting,
            actual,
            defaulted,
            problem: `is not ${wants}`,
            wants,
            remedy: { [rule.setting]: rule.value },
        });
    }
    return findings;
}

/**
 * The `server-log` rule on one place. A place that leaves pgaudit.log_client unset inherits it, so
 * only a place that turns it on (or gets it on from `defaults`) is judged, and a level it leaves
 * unset and has no default for cannot be judged. log_min_messages is PostgreSQL's default unless
 * the place says otherwise; a log_min_messages above LOG drops the lines whatever log_client says.
 */
function serverLogFinding(
    rule: BaselineRule,
    lookup: (key: SettingKey) => { actual: SettingValue | undefined; defaulted: boolean },
    logMinMessages: string | undefined,
): Finding | undefined {
    const client = lookup("logClient");
    const level = lookup("logLevel");
    const minMessages = logMinMessages ?? LOG_MIN_MESSAGES_DEFAULT;
    const logClient = client.actual ?? false;
    if (client.actual === undefined && logMinMessages === undefined) return undefined;
    if (logClient === true && level.actual === undefined) return undefined;
    const routing = auditRouting({
        logClient: logClient as boolean | string,
        logLevel: String(level.actual ?? "log"),
        logMinMessages: minMessages,
    });
    if ("unreadable" in routing) {
        const setting: SettingKey = routing.unreadable === "pgaudit.log_level" ? "logLevel" : "logClient";
        return {
            rule,
            reason: "value-unreadable",
            setting,
            actual: setting === "logLevel" ? level.actual : routing.unreadable === "log_min_messages" ? minMessages : client.actual,
            defaulted: setting === "logLevel" ? level.defaulted : client.defaulted,
            problem: `cannot be read as ${routing.unreadable} reads it, so where the AUDIT lines go is unknown`,
            wants: "AUDIT lines in the server log",
            remedy: { logClient: false },
        };
    }
    const loss = auditLossText(routing, { logMinMessagesAssumed: logMinMessages === undefined });
    if (loss === undefined) return undefined;
    const byClient = routing.logClient;
    return {
        rule,
        reason: "not-in-server-log",
        setting: byClient ? "logLevel" : "logClient",
        actual: byClient ? level.actual : logClient,
        defaulted: byClient ? level.defaulted : client.defaulted,
        problem: `diverts the AUDIT lines: ${loss}`,
        wants: "AUDIT lines in the server log",
        remedy: { logClient: false },
    };
}
