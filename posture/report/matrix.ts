/**
 * The role × database view every report format shares: for each role, in each database that
 * accepts connections, the classes its sessions audit, the scope that value comes from, and the
 * verdict there (the baseline's, else the requirement's). Rows are grouped worst first, so a
 * reader of 1,000 roles sees the violations before the rest.
 */
import { pgAuditLogClasses } from "../../model/pgauditLog";
import type { EffectivePosture, PostureReport, SettingOrigin } from "../model";

/** fail: a rule or requirement is violated; excepted: only excused violations; ok: checked and met; unchecked: no verdict asked; not-required: NOLOGIN or no CONNECT. */
export type CellStatus = "fail" | "excepted" | "ok" | "unchecked" | "not-required";

export interface MatrixCell {
    readonly database: string;
    /** The effective pgaudit.log as stored; null when hidden from the connecting role. */
    readonly value: string | null;
    /** What it audits, for people: `ddl,role`, `(nothing)`, `?` (hidden), `(invalid)`. */
    readonly classes: string;
    readonly from: SettingOrigin;
    readonly status: CellStatus;
    /** The rules (or `require`, `server-log`…) violated here, each once. */
    readonly failed: readonly string[];
    /** The reasons of the exceptions that excuse violations here. */
    readonly excusedBy: readonly string[];
}

export interface MatrixRow {
    readonly role: string;
    readonly canLogin: boolean;
    readonly superuser: boolean;
    readonly cells: readonly MatrixCell[];
    /** The worst status of its cells. */
    readonly status: CellStatus;
}

export interface MatrixGroup {
    readonly status: CellStatus;
    readonly rows: readonly MatrixRow[];
}

export interface Matrix {
    /** The databases that accept connections: the columns. */
    readonly databases: readonly string[];
    /** Rows grouped by status, worst first; empty groups left out. */
    readonly groups: readonly MatrixGroup[];
    /** How many cells of each status. */
    readonly counts: Readonly<Record<CellStatus, number>>;
}

/** Worst first. */
const STATUS_ORDER: readonly CellStatus[] = ["fail", "excepted", "ok", "unchecked", "not-required"];

/** What a status means, in the words every format uses. */
export const STATUS_LABEL: Readonly<Record<CellStatus, string>> = {
    fail: "violates",
    excepted: "excepted",
    ok: "meets",
    unchecked: "not checked",
    "not-required": "not required",
};

/** The scope a value comes from, as a cell names it. */
export function scopeLabel(origin: SettingOrigin): string {
    switch (origin.kind) {
        case "role-in-database":
            return "role in database";
        case "all-roles":
            return "all roles";
        case "server":
            return "server";
        default:
            return origin.kind;
    }
}

/** A setting's value for people: `''` when empty, `?` when hidden. */
export function valueText(value: string | null): string {
    return value === null ? "?" : value === "" ? "''" : value;
}

/** What a pgaudit.log value audits, for people: `ddl,role`, `(nothing)`, `?` (hidden), `(invalid)`. */
export function classesText(value: string | null): string {
    if (value === null) return "?";
    try {
        const classes = pgAuditLogClasses(value);
        return classes.length ? classes.join(",") : "(nothing)";
    } catch {
        return "(invalid)";
    }
}

const key = (role: string, database: string) => JSON.stringify([role, database]);

function add(map: Map<string, Set<string>>, k: string, item: string): void {
    const set = map.get(k) ?? new Set<string>();
    set.add(item);
    map.set(k, set);
}

/** Builds the matrix of a report: one row a role, one cell a database that accepts connections. */
export function buildMatrix(report: PostureReport): Matrix {
    const failed = new Map<string, Set<string>>();
    const excused = new Map<string, Set<string>>();
    for (const v of report.requirement?.violations ?? []) add(failed, key(v.role, v.database), `require ${report.requirement!.classes.join(",")}`);
    for (const v of report.baseline?.violations ?? []) add(failed, key(v.role, v.database), v.rule);
    for (const v of report.baseline?.excused ?? []) add(excused, key(v.role, v.database), v.exception.reason);
    for (const v of report.objectRequirement?.violations ?? [])
        if (v.database !== null) for (const role of v.roles) add(failed, key(role, v.database), `object ${v.requirement}`);
    const checked = report.requirement != null || report.baseline != null || report.objectRequirement !== undefined;

    const status = (pair: EffectivePosture): CellStatus => {
        if (!pair.canLogin || !pair.canConnect) return "not-required";
        const k = key(pair.role, pair.database);
        if (failed.has(k)) return "fail";
        if (excused.has(k)) return "excepted";
        return checked ? "ok" : "unchecked";
    };
    const databases = report.posture.databases.filter((d) => d.allowsConnections).map((d) => d.name);
    const byRole = new Map<string, EffectivePosture[]>();
    for (const pair of report.posture.effective) {
        const list = byRole.get(pair.role);
        if (list) list.push(pair);
        else byRole.set(pair.role, [pair]);
    }

    const counts: Record<CellStatus, number> = { fail: 0, excepted: 0, ok: 0, unchecked: 0, "not-required": 0 };
    const rows: MatrixRow[] = report.posture.roles.map((role) => {
        const cells = (byRole.get(role.name) ?? []).map((pair): MatrixCell => {
            const log = pair.settings.find((s) => s.name === "pgaudit.log");
            const k = key(pair.role, pair.database);
            const cell: MatrixCell = {
                database: pair.database,
                value: log?.value ?? null,
                classes: classesText(log?.value ?? null),
                from: log?.from ?? { kind: "server", source: null },
                status: status(pair),
                failed: [...(failed.get(k) ?? [])],
                excusedBy: [...(excused.get(k) ?? [])],
            };
            counts[cell.status]++;
            return cell;
        });
        const worst = STATUS_ORDER.find((s) => cells.some((c) => c.status === s)) ?? "not-required";
        return { role: role.name, canLogin: role.canLogin, superuser: role.superuser, cells, status: worst };
    });
    const groups = STATUS_ORDER.map((s) => ({ status: s, rows: rows.filter((r) => r.status === s) })).filter((g) => g.rows.length > 0);
    return { databases, groups, counts };
}
