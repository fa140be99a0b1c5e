/**
 * `--format markdown`: a CI job summary or a pull-request comment. The verdict first, then the
 * violations, then the changes, then the matrix collapsed in <details>. Sized to fit a GitHub
 * comment (65,536 characters): each list stops at a limit and says how many more there are.
 * Names go through escape.markdown, so none becomes a tag, link, emphasis or table cell break;
 * the only raw HTML is the <details>/<summary> this module writes.
 */
import type { PostureChanges, PostureReport } from "../model";
import { unchanged } from "./compare";
import { markdown as md } from "./escape";
import { buildMatrix, scopeLabel, STATUS_LABEL, valueText, type CellStatus } from "./matrix";
import { byCause, findings, pairsText, verdictOf } from "./verdict";
import { describeOrigin, resetStatementText } from "../scopeText";

/** Rows a list or table shows before it says "and N more" (violations: scopes responsible). */
const MARKDOWN_LIMITS = { violations: 30, changes: 20, matrixRoles: 40 } as const;

const ICON: Readonly<Record<CellStatus, string>> = { fail: "❌", excepted: "⚠️", ok: "✅", unchecked: "·", "not-required": "–" };

function table(headers: readonly string[], rows: readonly (readonly string[])[]): string[] {
    return [`| ${headers.join(" | ")} |`, `|${headers.map(() => " --- |").join("")}`, ...rows.map((r) => `| ${r.join(" | ")} |`)];
}

function more(total: number, shown: number, what: string): string[] {
    return total > shown ? ["", `…and ${total - shown} more ${what} (see the HTML or JSON report).`] : [];
}

function header(report: PostureReport): string[] {
    const p = report.posture;
    const verdict = verdictOf(report);
    const icon = verdict === "pass" ? "✅" : verdict === "fail" ? "❌" : "ℹ️";
    const count = findings(report).length;
    const b = report.baseline;
    const lines = [
        `## ${icon} pgaudit posture: ${verdict.toUpperCase()}${verdict === "fail" ? ` (${count} violation(s))` : ""}`,
        "",
        `Server ${md(p.connectedAs.host)}:${p.connectedAs.port}, read as ${md(p.connectedAs.user)} at ${md(p.readAt ?? "an unknown time")}; ` +
            `PostgreSQL ${md(p.serverVersion)}, pgaudit ${p.pgauditLoaded ? md(p.pgauditVersion ?? "(version unknown)") : "**not loaded**"}.`,
    ];
    if (b) {
        lines.push(
            "",
            `Baseline **${md(b.baseline.name)}**: ${md(b.baseline.document)} ${md(b.baseline.version)}; ` +
                `${b.checked} login role × database pairs against ${b.rules.length} rule(s): ` +
                b.rules.map((r) => `${md(r.id)} (${md(r.references.join(", "))})`).join("; ") +
                (b.excused?.length ? `; ${b.excused.length} violation(s) excused by exceptions.` : "."),
        );
    }
    if (report.requirement) lines.push("", `Required classes: ${md(report.requirement.classes.join(", "))}; ${report.requirement.checked} pairs checked.`);
    return lines;
}

/** By the scope responsible: one row per override (or server value) that breaks a rule, with its fix. */
function violations(report: PostureReport): string[] {
    const all = findings(report);
    if (all.length === 0) return [];
    const causes = byCause(all);
    const shown = causes.slice(0, MARKDOWN_LIMITS.violations);
    return [
        "",
        `### Violations (${all.length}) by the scope responsible (${causes.length})`,
        "",
        ...table(
            ["rule", "set by", "role × database pairs", "fix"],
            shown.map(({ first, pairs }) => {
                const c = first.cause;
                const rule = `${md(first.rule)}${first.references.length ? ` (${md(first.references.join(", "))})` : ""}`;
                if (!c) return [rule, "", md(pairsText(pairs, 5)), md(first.message)];
                const fix = resetStatementText(c.from, c.setting);
                return [
                    rule,
                    `${md(describeOrigin(c.from))}: ${md(c.setting)} = ${md(valueText(c.value))}`,
                    md(pairsText(pairs, 5)),
                    fix ? md(fix) : "change the server-wide value",
                ];
            }),
        ),
        ...more(causes.length, shown.length, "scopes"),
    ];
}

function exceptions(report: PostureReport): string[] {
    const list = report.baseline?.exceptions;
    if (!list?.length) return [];
    return [
        "",
        `### Exceptions (${list.length})`,
        "",
        ...table(
            ["role", "database", "reason", "excuses"],
            list.map((e) => [md(e.role ?? "(any)"), md(e.database ?? "(any)"), md(e.reason), e.excuses.length ? md(e.excuses.join(", ")) : "**nothing**"]),
        ),
    ];
}

function changes(c: PostureChanges): string[] {
    const lines = [
        "",
        "### Changes since the previous report",
        "",
        `Previous report read at ${md(c.previousReadAt ?? "an unknown time")}; verdict ${c.verdict.before} → ${c.verdict.after}.`,
    ];
    if (unchanged(c)) return [...lines, "", "Nothing changed."];
    const names = (title: string, xs: readonly string[]) => {
        if (!xs.length) return [];
        const shown = xs.slice(0, MARKDOWN_LIMITS.changes);
        return ["", `**${title}** (${xs.length}): ${shown.map(md).join(", ")}${xs.length > shown.length ? `, …and ${xs.length - shown.length} more` : ""}`];
    };
    const pairs = (
        title: string,
        xs: readonly { role: string; database: string; setting: string; before: string | null; after: string | null }[],
        what: (i: number) => string,
    ) => {
        if (!xs.length) return [];
        const shown = xs.slice(0, MARKDOWN_LIMITS.changes);
        return [
            "",
            `**${title}** (${xs.length})`,
            "",
            ...table(
                ["role", "database", "setting", "before → after", ""],
                shown.map((x, i) => [md(x.role), md(x.database), md(x.setting), `${md(valueText(x.before))} → ${md(valueText(x.after))}`, what(i)]),
            ),
            ...more(xs.length, shown.length, title.toLowerCase()),
        ];
    };
    const bullets = (title: string, xs: readonly string[]) => {
        if (!xs.length) return [];
        const shown = xs.slice(0, MARKDOWN_LIMITS.changes);
        return ["", `**${title}** (${xs.length})`, "", ...shown.map((x) => `- ${md(x)}`), ...more(xs.length, shown.length, title.toLowerCase())];
    };
    const exceptionList = (title: string, xs: PostureChanges["newExceptions"]) =>
        bullets(
            title,
            xs.map(
                (e) =>
                    `${e.role !== undefined ? `role ${e.role}` : ""}${e.role !== undefined && e.database !== undefined ? " in " : ""}${e.database !== undefined ? `database ${e.database}` : ""}: ${e.reason}`,
            ),
        );
    return [
        ...lines,
        ...names("Roles added", c.rolesAdded),
        ...names("Roles removed", c.rolesRemoved),
        ...names("Databases added", c.databasesAdded),
        ...names("Databases removed", c.databasesRemoved),
        ...pairs("Weakened", c.weakened, (i) => `lost ${md(c.weakened[i].lost.join(", "))}`),
        ...pairs("Strengthened", c.strengthened, (i) => `gained ${md(c.strengthened[i].gained.join(", "))}`),
        ...pairs("Other settings changed", c.changed, () => ""),
        ...bullets("New violations", c.newViolations),
        ...bullets("Resolved violations", c.resolvedViolations),
        ...exceptionList("New exceptions", c.newExceptions),
        ...exceptionList("Removed exceptions", c.removedExceptions),
    ];
}

function matrix(report: PostureReport): string[] {
    const m = buildMatrix(report);
    const rows = m.groups.flatMap((g) => g.rows);
    if (rows.length === 0) return [];
    const shown = rows.slice(0, MARKDOWN_LIMITS.matrixRoles);
    const counts = (Object.keys(ICON) as CellStatus[]).filter((s) => m.counts[s] > 0).map((s) => `${ICON[s]} ${STATUS_LABEL[s]} ${m.counts[s]}`);
    return [
        "",
        "<details>",
        `<summary>Role × database matrix: ${rows.length} roles × ${m.databases.length} databases (${counts.join(", ")})</summary>`,
        "",
        "Each cell: the classes a new session audits, and the scope the value comes from. Worst roles first.",
        "",
        ...table(
            ["role", ...m.databases.map(md)],
            shown.map((r) => [
                md(r.role) + (r.canLogin ? "" : " (NOLOGIN)"),
                ...r.cells.map((c) => `${ICON[c.status]} ${md(c.classes)} (${scopeLabel(c.from)})`),
            ]),
        ),
        ...more(rows.length, shown.length, "roles"),
        "",
        "</details>",
    ];
}

/** The report as markdown for a CI job summary or a pull-request comment. */
export function renderMarkdown(report: PostureReport): string {
    return (
        [...header(report), ...violations(report), ...exceptions(report), ...(report.changes ? changes(report.changes) : []), ...matrix(report)].join("\n") +
        "\n"
    );
}
