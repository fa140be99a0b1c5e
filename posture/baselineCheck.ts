/**
 * `--baseline stig`: every rule of a baseline, checked on what each login role gets at login in
 * each database it may connect to. A violation names the rule (and the source's ids), the scope
 * whose override (or the server value) is responsible, and the statement that fixes it.
 */
import { ruleLabel, type Baseline, type BaselineRule } from "../baselines/baseline";
import { evaluateBaseline } from "../baselines/evaluate";
import { decodeSetting, encodeSetting, SETTING_DEFINITIONS, type SettingKey } from "../model/settings";
import { quoteName, quoteValue } from "./displayText";
import type { AuditPosture, BaselineResult, BaselineViolation, EffectivePosture, EffectiveSetting, SettingOrigin } from "./model";
import { describeOrigin, resetStatementText, setStatementText } from "./scopeText";
import { checkFunctions } from "./functionChecks";
import { routingViolation } from "./routingCheck";

const SERVER: SettingOrigin = { kind: "server", source: null };

function where(pair: EffectivePosture): string {
    return `role ${quoteName(pair.role)} in database ${quoteName(pair.database)}`;
}

/** The Aiven field that sets a parameter service-wide. */
function aivenField(key: SettingKey): string {
    return `pgUserConfig.pgaudit.${key === "log" ? "logs" : key}`;
}

function fixFor(rule: BaselineRule, key: SettingKey, from: SettingOrigin): string {
    const name = SETTING_DEFINITIONS[key].name;
    const reset = resetStatementText(from, name);
    if (rule.kind === "classes") {
        const classes = rule.classes.join(", ");
        return reset ? `Fix: ${reset} (or set it to include ${classes})` : `Fix: include ${classes} in the server-wide ${name} (Aiven: ${aivenField(key)})`;
    }
    if (rule.kind !== "setting") return "";
    const wants = encodeSetting(key, rule.value);
    return reset
        ? `Fix: ${reset} (or set it to ${quoteValue(wants)})`
        : `Fix: set ${name} = ${quoteValue(wants)} server-wide (Aiven: ${aivenField(key)} = ${JSON.stringify(rule.value)})`;
}

/** The violations of one login pair, in rule order. */
function checkPair(baseline: Baseline, pair: EffectivePosture, pgauditLoaded: boolean): BaselineViolation[] {
    const violations: BaselineViolation[] = [];
    const base = (rule: BaselineRule) => ({ rule: rule.id, references: rule.references.map((r) => r.id), role: pair.role, database: pair.database });
    const label = (rule: BaselineRule) => ruleLabel(baseline, rule);
    const hasEnabledRule = baseline.rules.some((r) => r.kind === "enabled");
    for (const rule of baseline.rules) {
        if (!pgauditLoaded) {
            // One violation says it all when the baseline has an "enabled" rule; else each rule fails for that reason.
            if (rule.kind === "enabled" || !hasEnabledRule) {
                violations.push({
                    ...base(rule),
                    setting: "shared_preload_libraries",
                    value: null,
                    expected: "pgaudit",
                    from: SERVER,
                    reason: "pgaudit-not-loaded",
                    message: `${where(pair)}: pgaudit is not loaded on this server, so nothing is audited; violates ${label(rule)}. Fix: load pgaudit (Aiven: pgUserConfig.pgaudit.featureEnabled = true)`,
                });
            }
            continue;
        }
        if (rule.kind === "enabled") continue;
        if (rule.kind === "server-log") {
            const lost = routingViolation(pair);
            if (lost) {
                violations.push({
                    ...base(rule),
                    setting: lost.setting,
                    value: lost.value,
                    expected: "AUDIT lines in the server log",
                    from: lost.from,
                    reason: lost.reason,
                    message: `${where(pair)}: ${lost.problem}; violates ${label(rule)}. ${lost.fix}`,
                });
            }
            continue;
        }
        const key: SettingKey = rule.kind === "classes" ? "log" : rule.setting;
        const name = SETTING_DEFINITIONS[key].name;
        const expected = rule.kind === "classes" ? rule.classes.join(", ") : encodeSetting(key, rule.value);
        const effective: EffectiveSetting | undefined = pair.settings.find((s) => s.name === name);
        if (!effective) {
            violations.push({
                ...base(rule),
                setting: name,
                value: null,
                expected,
                from: SERVER,
                reason: "setting-unknown",
                message: `${where(pair)}: this server's pgaudit has no ${name} parameter, so ${label(rule)} cannot hold. Fix: use a pgaudit version that has ${name}`,
            });
            continue;
        }
        if (effective.value === null) {
            violations.push({
                ...base(rule),
                setting: name,
                value: null,
                expected,
                from: effective.from,
                reason: "value-hidden",
                message:
                    `${where(pair)}: ${name} falls through to the server-wide value, which the connecting role cannot see; cannot verify ${label(rule)}. ` +
                    `Fix: run the check as a role without pgaudit overrides, or as a superuser`,
            });
            continue;
        }
        const typed = key === "log" ? effective.value : decodeSetting(key, effective.value);
        const [finding] = evaluateBaseline({ ...baseline, rules: [rule] }, { settings: { [key]: typed } });
        if (!finding) continue;
        const written = setStatementText(effective.from, name);
        const origin = `${describeOrigin(effective.from)}${written ? ` (${written})` : ""}`;
        violations.push({
            ...base(rule),
            setting: name,
            value: effective.value,
            expected,
            ...(finding.lacks ? { lacks: [...finding.lacks] } : {}),
            from: effective.from,
            reason: finding.reason === "not-enabled" ? "pgaudit-not-loaded" : finding.reason,
            message: `${where(pair)}: ${name} = ${quoteValue(effective.value)} ${finding.problem}, set by ${origin}; violates ${label(rule)}. ${fixFor(rule, key, effective.from)}`,
        });
    }
    return violations;
}

/** Checks every rule of `baseline` on every login role × database pair it may connect to. */
export function checkBaseline(posture: AuditPosture, baseline: Baseline): BaselineResult {
    let checked = 0;
    let noLogin = 0;
    let noConnect = 0;
    const violations: BaselineViolation[] = [];
    for (const pair of posture.effective) {
        if (!pair.canLogin) noLogin++;
        else if (!pair.canConnect) noConnect++;
        else {
            checked++;
            violations.push(...checkPair(baseline, pair, posture.pgauditLoaded));
        }
    }
    return {
        baseline: { name: baseline.name, title: baseline.title, document: baseline.source.document, version: baseline.source.version },
        rules: baseline.rules.map((r) => ({ id: r.id, says: r.says, references: r.references.map((ref) => ref.id) })),
        checked,
        notRequired: { noLogin, noConnect },
        violations,
        functionViolations: checkFunctions(posture, baseline),
    };
}
