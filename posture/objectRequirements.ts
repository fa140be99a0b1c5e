/**
 * `--require-object schema.table[(col,…)]:select,update`: every login role, in every database
 * that holds the table and that it may connect to, must get a pgaudit.role whose privileges
 * (direct or inherited, as pgaudit counts them) cover those statements. Pure: it reads a posture.
 */
import { escapeIdentifier } from "pg";
import { formatTableName, OBJECT_PRIVILEGES, parseTableName, type ObjectPrivilege, type TableName } from "../model/objectAudit";
import { quoteName, quoteValue } from "./displayText";
import type { AuditPosture, DatabaseObjectAudit, EffectiveSetting, ObjectRequirementResult, ObjectViolation } from "./model";
import { describeOrigin } from "./scopeText";

export interface ObjectRequirement extends TableName {
    /** As given, for messages and the report. */
    readonly text: string;
    readonly columns?: readonly string[];
    readonly commands: readonly ObjectPrivilege[];
}

/** Parses one `--require-object` value, or says what is wrong. */
export function parseObjectRequirement(value: string): ObjectRequirement | { error: string } {
    const text = value.trim();
    const usage = `write schema.table:commands, e.g. --require-object public.cards:select,update (or public.cards(pan):select for columns)`;
    const colon = text.lastIndexOf(":");
    if (colon < 0) return { error: `--require-object "${text}" has no commands; ${usage}` };
    let tablePart = text.slice(0, colon);
    const commandsPart = text.slice(colon + 1);
    let columns: string[] | undefined;
    if (tablePart.endsWith(")")) {
        const open = tablePart.lastIndexOf("(");
        if (open < 0) return { error: `--require-object "${text}": unbalanced parentheses; ${usage}` };
        columns = tablePart
            .slice(open + 1, -1)
            .split(",")
            .map((c) => c.trim());
        tablePart = tablePart.slice(0, open);
        if (columns.some((c) => c === "")) return { error: `--require-object "${text}": empty column name; ${usage}` };
    }
    const table = parseTableName(tablePart);
    if ("error" in table) return { error: `--require-object "${text}": the table ${table.error}` };
    const commands: ObjectPrivilege[] = [];
    for (const raw of commandsPart.split(",")) {
        const item = raw.trim().toLowerCase();
        if (!(OBJECT_PRIVILEGES as readonly string[]).includes(item)) {
            return {
                error: `--require-object "${text}": "${raw.trim()}" is not a command object audit logs; expected some of ${OBJECT_PRIVILEGES.join(", ")}`,
            };
        }
        if (!commands.includes(item as ObjectPrivilege)) commands.push(item as ObjectPrivilege);
    }
    if (columns && commands.includes("delete"))
        return { error: `--require-object "${text}": delete is audited per table, not per column; require it without columns` };
    return { ...table, text, commands, ...(columns ? { columns } : {}) };
}

const sameTable = (a: TableName, b: TableName) => a.schema === b.schema && a.table === b.table;

/** The commands `role`'s grants in `db` leave unaudited on the required table (or its columns). */
function lacking(req: ObjectRequirement, db: DatabaseObjectAudit, role: string): ObjectPrivilege[] {
    const grants = db.auditRoles.find((r) => r.name === role)?.grants.filter((g) => sameTable(g, req)) ?? [];
    return req.commands.filter((cmd) => {
        if (grants.some((g) => g.privilege === cmd && g.column === null)) return false;
        if (!req.columns || cmd === "delete") return true;
        return !req.columns.every((col) => grants.some((g) => g.privilege === cmd && g.column === col));
    });
}

const roleList = (roles: readonly string[]) => {
    const shown = roles.slice(0, 5).map(quoteName).join(", ");
    return roles.length > 5 ? `${shown} and ${roles.length - 5} more` : shown;
};

function grantFix(req: ObjectRequirement, cmds: readonly ObjectPrivilege[], role: string, database: string): string {
    const table = `${escapeIdentifier(req.schema)}.${escapeIdentifier(req.table)}`;
    const privileges = cmds
        .map((c) => (req.columns && c !== "delete" ? `${c.toUpperCase()} (${req.columns.map(escapeIdentifier).join(", ")})` : c.toUpperCase()))
        .join(", ");
    return (
        `Fix: in database ${quoteName(database)}, GRANT ${privileges} ON TABLE ${table} TO ${escapeIdentifier(role)} ` +
        `(declared: PgAuditLogging objectAudit.databases[${JSON.stringify(database)}] or PgAuditObjectAudit)`
    );
}

/** Checks each requirement in every database holding its table, per group of login roles sharing a pgaudit.role. */
export function checkObjectRequirements(posture: AuditPosture, requirements: readonly ObjectRequirement[]): ObjectRequirementResult {
    const violations: ObjectViolation[] = [];
    let checked = 0;
    const objectAudit = posture.objectAudit ?? [];
    for (const req of requirements) {
        const name = formatTableName(req);
        const base = { requirement: req.text };
        /** A violation no login role escapes: the database or the table itself is the problem. */
        const nobody = (database: string | null, reason: ObjectViolation["reason"], message: string): ObjectViolation => ({
            ...base,
            database,
            auditRole: null,
            roles: [],
            lacks: [...req.commands],
            reason,
            message,
        });
        const holding = objectAudit.filter((d) => d.tables.some((t) => sameTable(t, req)));
        for (const db of objectAudit.filter((d) => !d.readable)) {
            violations.push(
                nobody(
                    db.database,
                    "database-unreadable",
                    `database ${quoteName(db.database)}: cannot verify ${name} (${db.error ?? "not readable"}); run the check as a role that may connect to it`,
                ),
            );
        }
        // A table in a database we could not read is not "missing": that database is reported above.
        if (holding.length === 0 && objectAudit.every((d) => d.readable)) {
            violations.push(
                nobody(
                    null,
                    "no-such-table",
                    `no database holds table ${quoteName(name)} (schema.table, case-sensitive), so nothing audits it; check the name, or create the table first`,
                ),
            );
        }
        for (const db of holding) {
            const table = db.tables.find((t) => sameTable(t, req))!;
            const missingColumns = (req.columns ?? []).filter((c) => !table.columns.includes(c));
            if (missingColumns.length > 0) {
                violations.push(
                    nobody(
                        db.database,
                        "no-such-table",
                        `table ${quoteName(name)} in database ${quoteName(db.database)} has no column ${missingColumns.map(quoteName).join(", ")}; check the names`,
                    ),
                );
                continue;
            }
            const groups = new Map<string, { setting: EffectiveSetting; roles: string[] }>();
            for (const pair of posture.effective) {
                if (pair.database !== db.database || !pair.canLogin || !pair.canConnect) continue;
                checked++;
                const setting = pair.settings.find((s) => s.name === "pgaudit.role") ?? {
                    name: "pgaudit.role",
                    value: null,
                    from: { kind: "server" as const, source: null },
                };
                const key = JSON.stringify(setting.value);
                (groups.get(key) ?? groups.set(key, { setting, roles: [] }).get(key)!).roles.push(pair.role);
            }
            for (const { setting, roles } of groups.values()) {
                const role = setting.value;
                const who = `${roles.length} login role(s) (${roleList(roles)}) in database ${quoteName(db.database)}`;
                const at = { ...base, database: db.database, auditRole: role, roles };
                if (role === null) {
                    violations.push({
                        ...at,
                        lacks: [...req.commands],
                        reason: "role-hidden",
                        message: `${who}: pgaudit.role is hidden from the connecting role; cannot verify ${name}. Run the check as a role without pgaudit overrides, or as a superuser`,
                    });
                } else if (role === "") {
                    violations.push({
                        ...at,
                        lacks: [...req.commands],
                        reason: "no-audit-role",
                        message: `${who}: pgaudit.role is empty (from ${describeOrigin(setting.from)}), so no object audit logs ${req.commands.join(", ")} on ${quoteName(name)}. Fix: set pgaudit.role (Aiven: PgAuditLogging objectAudit.role, i.e. audit.role), then grant the audit role ${req.commands.join(", ")} on the table`,
                    });
                } else if (!db.auditRoles.find((r) => r.name === role)?.exists) {
                    violations.push({
                        ...at,
                        lacks: [...req.commands],
                        reason: "audit-role-missing",
                        message: `${who}: pgaudit.role = ${quoteValue(role)} (from ${describeOrigin(setting.from)}) names no existing role, so nothing is object-audited. Fix: CREATE ROLE ${escapeIdentifier(role)} NOLOGIN (PgAuditObjectAudit createRole: true), then ${grantFix(req, req.commands, role, db.database).slice(5)}`,
                    });
                } else {
                    const lacks = lacking(req, db, role);
                    if (lacks.length === 0) continue;
                    violations.push({
                        ...at,
                        lacks,
                        reason: "lacks-privileges",
                        message: `${who}: ${lacks.join(", ")} on ${quoteName(name)}${req.columns ? ` (columns ${req.columns.map(quoteName).join(", ")})` : ""} not audited: audit role ${quoteName(role)} (pgaudit.role from ${describeOrigin(setting.from)}) lacks the privilege. ${grantFix(req, lacks, role, db.database)}`,
                    });
                }
            }
        }
    }
    return { requirements: requirements.map((r) => r.text), checked, violations };
}
