/** The report's verdict: every violation any check asked for found, as one list, and pass or fail. */
import { quoteName } from "../displayText";
import type { PostureReport, SettingOrigin, Violation } from "../model";

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

/** A `--require` (or `--require-group`) violation: a role lacks classes, or its lines miss the server log. */
function classesFinding(check: string, v: Violation): ReportFinding {
    const rule = v.reason === "not-in-server-log" ? "server-log" : "classes";
    return { check, rule, references: [], role: v.role, database: v.database, message: v.message, cause: { setting: v.setting, value: v.value, from: v.from } };
}

/** Every violation, in the order: requirement, baseline, object requirement, groups. Excused ones are not violations. */
export function findings(report: PostureReport): ReportFinding[] {
    const out: ReportFinding[] = [];
    const req = report.requirement;
    if (req) {
        const check = `require ${req.classes.join(",")}`;
        for (const v of req.violations) out.push(classesFinding(check, v));
        for (const v of req.functionViolations) out.push({ check, rule: "functions", references: [], role: v.owner, database: v.database, message: v.message });
    }
    const base = report.baseline;
    if (base) {
        const check = `baseline ${base.baseline.name}`;
        const refs = new Map(base.rules.map((r) => [r.id, r.references]));
        for (const v of base.violations)
            out.push({
                check,
                rule: v.rule,
                references: v.references,
                role: v.role,
                database: v.database,
                message: v.message,
                cause: { setting: v.setting, value: v.value, from: v.from },
            });
        for (const v of base.functionViolations)
            out.push({ check, rule: v.rule ?? "functions", references: refs.get(v.rule ?? "") ?? [], role: v.owner, database: v.database, message: v.message });
    }
    for (const v of report.objectRequirement?.violations ?? [])
        out.push({
            check: "require-object",
            rule: v.requirement,
            references: [],
            role: v.roles.length === 1 ? v.roles[0] : null,
            database: v.database,
            message: v.message,
        });
    for (const r of report.groups?.requirements ?? []) {
        const check = `require-group ${r.group}:${r.classes.join(",")}`;
        // A group that is missing or could not be read is a finding: its members cannot be shown to pass.
        if (r.finding) out.push({ check, rule: "group", references: [], role: null, database: null, message: r.finding });
        for (const v of r.violations) out.push(classesFinding(check, v));
    }
    return out;
}

/** fail when any check found a violation; pass when checks ran and found none; unchecked when none was asked for. */
export function verdictOf(report: PostureReport): Verdict {
    const checked =
        report.requirement != null || report.baseline != null || report.objectRequirement !== undefined || (report.groups?.requirements.length ?? 0) > 0;
    if (!checked) return "unchecked";
    return findings(report).length > 0 ? "fail" : "pass";
}

/** Violations that share a check, a rule, a value and the scope that set it: one override, one fix, however many pairs. Most pairs first. */
export function byCause(all: readonly ReportFinding[]): { first: ReportFinding; pairs: ReportFinding[] }[] {
    const groups = new Map<string, { first: ReportFinding; pairs: ReportFinding[] }>();
    for (const f of all) {
        const k = JSON.stringify([f.check, f.rule, f.cause ?? f.message]);
        const g = groups.get(k);
        if (g) g.pairs.push(f);
        else groups.set(k, { first: f, pairs: [f] });
    }
    return [...groups.values()].sort((a, b) => b.pairs.length - a.pairs.length);
}

/** The pairs of a cause, short: `role "app" in 20 database(s): db_00, …`, `882 roles in database "db_00": …`, or the pairs. Plain text: escape it for the format. */
export function pairsText(pairs: readonly { readonly role: string | null; readonly database: string | null }[], shown = 8): string {
    if (pairs.length === 0) return "none";
    const first = (xs: readonly string[]) => xs.slice(0, shown).join(", ") + (xs.length > shown ? ` …and ${xs.length - shown} more` : "");
    const roles = [...new Set(pairs.map((f) => f.role ?? "?"))];
    const databases = [...new Set(pairs.map((f) => f.database ?? "?"))];
    if (roles.length === 1) return `role ${quoteName(roles[0])} in ${databases.length} database(s): ${first(databases)}`;
    if (databases.length === 1) return `${roles.length} roles in database ${quoteName(databases[0])}: ${first(roles)}`;
    return `${pairs.length} pairs: ${first(pairs.map((f) => `${f.role ?? "?"} in ${f.database ?? "?"}`))}`;
}
