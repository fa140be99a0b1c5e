/**
 * The parts of the default text report that the evidence options add: the exceptions with their
 * reasons (--exceptions) and what changed since the previous report (--compare). Every name goes
 * through displayText, as in the rest of the text report.
 */
import { displayName, quoteName, safeText } from "../displayText";
import type { BaselineResult, PostureChanges } from "../model";
import { renderTable } from "../table";
import { unchanged } from "./compare";
import { valueText } from "./matrix";

/** Each exception, what it excuses, and every violation it excused. */
export function exceptionsText(result: BaselineResult): string[] {
    if (!result.exceptions) return [];
    const lines = ["", `Exceptions to ${safeText(result.baseline.name)} (excused violations are reported, not counted)`];
    if (result.exceptions.length === 0) return [...lines, "  (none)"];
    lines.push(
        ...renderTable(
            ["ROLE", "DATABASE", "REASON", "EXCUSES"],
            result.exceptions.map((e) => [
                e.role === undefined ? "(any)" : displayName(e.role),
                e.database === undefined ? "(any)" : displayName(e.database),
                safeText(e.reason),
                e.excuses.length ? e.excuses.join(", ") : "nothing",
            ]),
        ),
    );
    for (const v of result.excused ?? []) lines.push(`  EXCUSED ${safeText(v.message)} (exception: ${safeText(v.exception.reason)})`);
    return lines;
}

/** What changed since the previous report. */
export function changesText(c: PostureChanges): string[] {
    const lines = [
        "",
        `Changes since the report read at ${safeText(c.previousReadAt ?? "an unknown time")} (verdict ${c.verdict.before} -> ${c.verdict.after})`,
    ];
    if (unchanged(c)) return [...lines, "  (nothing changed)"];
    const names = (label: string, xs: readonly string[]) => (xs.length ? [`  ${label}: ${xs.map(quoteName).join(", ")}`] : []);
    const pair = (x: { role: string; database: string; setting: string; before: string | null; after: string | null }) =>
        `role ${quoteName(x.role)} in database ${quoteName(x.database)}: ${safeText(x.setting)} ${safeText(valueText(x.before))} -> ${safeText(valueText(x.after))}`;
    const scope = (e: { role?: string; database?: string; reason: string }) =>
        `${e.role !== undefined ? `role ${quoteName(e.role)}` : "any role"} in ${e.database !== undefined ? `database ${quoteName(e.database)}` : "any database"}: ${safeText(e.reason)}`;
    return [
        ...lines,
        ...names("roles added", c.rolesAdded),
        ...names("roles removed", c.rolesRemoved),
        ...names("databases added", c.databasesAdded),
        ...names("databases removed", c.databasesRemoved),
        ...c.weakened.map((w) => `  WEAKER   ${pair(w)} (lost ${safeText(w.lost.join(", "))})`),
        ...c.strengthened.map((s) => `  STRONGER ${pair(s)} (gained ${safeText(s.gained.join(", "))})`),
        ...c.changed.map((x) => `  CHANGED  ${pair(x)}`),
        ...c.newViolations.map((m) => `  NEW VIOLATION ${safeText(m)}`),
        ...c.resolvedViolations.map((m) => `  RESOLVED ${safeText(m)}`),
        ...c.newExceptions.map((e) => `  NEW EXCEPTION ${scope(e)}`),
        ...c.removedExceptions.map((e) => `  REMOVED EXCEPTION ${scope(e)}`),
    ];
}
