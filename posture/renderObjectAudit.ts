/**
 * The object audit part of the report: the pgaudit.role each login role gets in each database,
 * what each audit role's privileges log there, and `--require-object`'s verdict. Every name goes
 * through displayText / renderTable, so hostile names cannot forge lines.
 */
import { formatTableName } from "../model/objectAudit";
import { displayName, safeText } from "./displayText";
import type { AuditPosture, ObjectGrant, ObjectRequirementResult } from "./model";
import { originCell } from "./scopeText";
import { renderTable } from "./table";

function roleSection(posture: AuditPosture): string[] {
    const pairs = posture.effective.filter((p) => p.canLogin && p.canConnect);
    const roleOf = (p: (typeof pairs)[number]) => p.settings.find((s) => s.name === "pgaudit.role");
    if (!pairs.some((p) => roleOf(p)?.value)) return [];
    const rows = pairs.map((p) => {
        const s = roleOf(p);
        const value = s?.value === null || s === undefined ? "?" : s.value === "" ? "(none)" : s.value;
        return [displayName(p.role), displayName(p.database), value, s ? originCell(s.from) : "?"];
    });
    return ["", "Effective pgaudit.role at login (object audit), login roles only", ...renderTable(["ROLE", "DATABASE", "PGAUDIT.ROLE", "FROM"], rows)];
}

/** One row per table and column (or the whole table) with the commands logged there. */
function grantRows(database: string, role: string, grants: readonly ObjectGrant[]): string[][] {
    const rows = new Map<string, string[]>();
    for (const g of grants) {
        const table = formatTableName(g);
        const via = g.grantee === role ? "" : `via ${displayName(g.grantee)}`;
        const key = JSON.stringify([table, g.column, via]);
        const row = rows.get(key) ?? [displayName(database), displayName(role), table, g.column === null ? "(all)" : displayName(g.column), "", via];
        row[4] = row[4] ? `${row[4]},${g.privilege}` : g.privilege;
        rows.set(key, row);
    }
    return [...rows.values()];
}

function coverageSection(posture: AuditPosture): string[] {
    const dbs = (posture.objectAudit ?? []).filter((d) => !d.readable || d.auditRoles.length > 0);
    if (dbs.length === 0) return [];
    const rows: string[][] = [];
    for (const db of dbs) {
        if (!db.readable) rows.push([displayName(db.database), "?", "(not readable)", "", "", safeText(db.error ?? "")]);
        for (const role of db.auditRoles) {
            if (!role.exists) rows.push([displayName(db.database), displayName(role.name), "(role does not exist: nothing audited)", "", "", ""]);
            else if (role.grants.length === 0) rows.push([displayName(db.database), displayName(role.name), "(no privileges: nothing audited)", "", "", ""]);
            else rows.push(...grantRows(db.database, role.name, role.grants));
        }
    }
    return [
        "",
        "Object audit: statements logged for every user, by the privileges of the audit role",
        ...renderTable(["DATABASE", "AUDIT ROLE", "TABLE", "COLUMN", "COMMANDS", "NOTE"], rows),
    ];
}

function requirementSection(result: ObjectRequirementResult): string[] {
    const lines = ["", `Object requirement: ${result.requirements.map(safeText).join("; ")} audited for every login role in every database holding the table`];
    if (result.violations.length === 0) return [...lines, `  OK: ${result.checked} login role × database pairs checked`];
    return [
        ...lines,
        ...result.violations.map((v) => `  FAIL ${safeText(v.message)}`),
        `  ${result.violations.length} violation(s); ${result.checked} pairs checked`,
    ];
}

export function renderObjectAudit(posture: AuditPosture, result: ObjectRequirementResult | undefined): string[] {
    return [...roleSection(posture), ...coverageSection(posture), ...(result ? requirementSection(result) : [])];
}
