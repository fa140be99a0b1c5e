/**
 * Functions whose definition sets pgaudit.* or log_min_messages (`CREATE FUNCTION … SET
 * pgaudit.log = 'none'`) change auditing for their body, for every caller. Their SET clause is
 * judged like a scope's settings, by the same baseline rules (baselines/evaluate.ts): one that
 * weakens auditing is a violation, one that strengthens it is only listed. A database whose
 * functions could not be read fails where some login role may connect (the gate fails closed).
 */
import { escapeIdentifier } from "pg";
import { defineBaseline, ruleLabel, type Baseline } from "../baselines/baseline";
import { evaluateBaseline } from "../baselines/evaluate";
import { LOG_MIN_MESSAGES } from "../model/auditRouting";
import { decodeSetting, SETTING_DEFINITIONS, settingKeyForName, type SettingKey, type SettingValues } from "../model/settings";
import { quoteName, quoteValue, safeText } from "./displayText";
import type { AuditPosture, FunctionSetting, FunctionViolation } from "./model";
import type { RequiredClass } from "./requirements";

/** `--require CLASSES` as a baseline, so functions are judged by the same rules (it carries server-log too). */
export function requirementBaseline(required: readonly RequiredClass[]): Baseline {
    return defineBaseline({
        name: "require",
        title: "--require",
        source: { document: "pgaudit-posture --require", version: required.join(",") },
        rules: [
            {
                id: "require",
                kind: "classes",
                classes: [...required],
                says: `pgaudit.log audits ${required.join(", ")}`,
                references: [{ id: "--require", title: `--require ${required.join(",")}` }],
            },
        ],
    });
}

/** `"public"."quiet"(a integer)`, as ALTER FUNCTION takes it. */
export function functionSignature(fn: FunctionSetting): string {
    return `${escapeIdentifier(fn.schema)}.${escapeIdentifier(fn.name)}(${fn.arguments})`;
}

/** The violations of every function that weakens auditing, and of unreadable databases some login role may use. */
export function checkFunctions(posture: AuditPosture, baseline: Baseline): FunctionViolation[] {
    if (!posture.functions) return [];
    const used = new Set(posture.effective.filter((p) => p.canLogin && p.canConnect).map((p) => p.database));
    const out: FunctionViolation[] = [];
    for (const u of posture.functions.unreadable) {
        if (!used.has(u.database)) continue;
        out.push({
            database: u.database,
            function: null,
            owner: null,
            setting: null,
            value: null,
            reason: "database-unreadable",
            message:
                `database ${quoteName(u.database)}: its functions could not be read (${safeText(u.error)}), so a function that sets pgaudit.* for its body cannot be ruled out. ` +
                `Fix: let the checking role connect to it (GRANT CONNECT ON DATABASE ${safeText(escapeIdentifier(u.database))} TO …), or run the check as a superuser`,
        });
    }
    for (const fn of posture.functions.functions) {
        const settings: SettingValues = {};
        let logMinMessages: string | undefined;
        for (const entry of fn.settings) {
            if (entry.name === LOG_MIN_MESSAGES) logMinMessages = entry.value;
            const key = settingKeyForName(entry.name);
            if (key) settings[key] = decodeSetting(key, entry.value);
        }
        const signature = safeText(functionSignature(fn));
        for (const f of evaluateBaseline(baseline, { settings, ...(logMinMessages !== undefined ? { logMinMessages } : {}) })) {
            // A server-log finding on logClient means log_min_messages drops LOG: that entry is the culprit.
            const name = f.reason === "not-in-server-log" && f.setting === "logClient" ? LOG_MIN_MESSAGES : nameOf(f.setting);
            const entry = fn.settings.find((e) => e.name === name);
            out.push({
                database: fn.database,
                function: signature,
                owner: fn.owner,
                setting: name,
                value: entry?.value ?? null,
                ...(baseline.name === "require" ? {} : { rule: f.rule.id }),
                reason: "function-weakens-audit",
                message:
                    `function ${signature} in database ${quoteName(fn.database)} (owner ${quoteName(fn.owner)}${fn.securityDefiner ? ", SECURITY DEFINER" : ""}) ` +
                    `sets ${name} = ${quoteValue(entry?.value ?? "")} for its body, which ${f.problem}: what it runs escapes the audit log` +
                    `${baseline.name === "require" ? "" : `; violates ${ruleLabel(baseline, f.rule)}`}. Fix: ALTER FUNCTION ${signature} RESET ${name}`,
            });
        }
    }
    return out;
}

function nameOf(key: SettingKey | "enabled"): string {
    return key === "enabled" ? "shared_preload_libraries" : SETTING_DEFINITIONS[key].name;
}
