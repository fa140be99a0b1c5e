/** The report's verdict: every violation any check asked for found, as one list, and pass or fail. */
import type { PostureReport, SettingOrigin } from "../model";

export type Verdict = "pass" | "fail" | "unchecked";

/** One violation of any check, as the formats list it. */
export interface ReportFinding {
    /** `baseline stig`, `require ddl,role`, `require-object`, `functions`. */
    readonly check: string;
    /** The rule id, or the requirement. */
    readonly rule: string;
    /** The rule's source ids (STIG Vuln IDs, CIS numbers); empty for requirements. */
    readonly references: readonly string[];
    readonly role: string | null;
    readonly database: string | null;
    /** The sentence naming the scope responsible and the fix. */
    readonly message: string;
    /** For a role × database violation: the setting, its effective value and the scope that set it. */
    readonly cause?: { readonly setting: string; readonly value: string | null; readonly from: SettingOrigin };
}

/** Every violation, in the order: requirement, baseline, object requirement, functions. Excused ones are not violations. */
export function findings(report: PostureReport): ReportFinding[] {
    const out: ReportFinding[] = [];
    const req = report.requirement;
    if (req) {
        const check = `require ${req.classes.join(",")}`;
        for (const v of req.violations)
            out.push({
                check,
                rule: v.reason === "not-in-server-log" ? "server-log" : "classes",
                references: [],
                role: v.role,
                database: v.database,
                message: v.message,
                cause: { setting: v.setting, value: v.value, from: v.from },
            });
        for (const v of req.functionViolations) out.push({ check, rule: "functions", references: [], role: v.owner, database: v.database, message: v.message });
    }
    const base = report.baseline;
    if (base) {
        const check = `baseline ${base.baseline.name}`;
        const refs = new Map(base.rules.map((r) => [r.id, r.references]));
        for (const v of base.violations)
            out.push({ check, rule: v.rule, references: v.references, role: v.role, database: v.database, message: v.message, cause: { setting: v.setting, value: v.value, from: v.from } });
        for (const v of base.functionViolations)
            out.push({ check, rule: v.rule ?? "functions", references: refs.get(v.rule ?? "") ?? [], role: v.owner, database: v.database, message: v.message });
    }
    for (const v of report.objectRequirement?.violations ?? [])
        out.push({ check: "require-object", rule: v.requirement, references: [], role: v.roles.length === 1 ? v.roles[0] : null, database: v.database, message: v.message });
    return out;
}

/** fail when any check found a violation; pass when checks ran and found none; unchecked when none was asked for. */
export function verdictOf(report: PostureReport): Verdict {
    const checked = report.requirement != null || report.baseline != null || report.objectRequirement !== undefined;
    if (!checked) return "unchecked";
    return findings(report).length > 0 ? "fail" : "pass";
}
