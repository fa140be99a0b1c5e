/**
 * Object audit, the pure part: the declared objects as a set of single privileges, what the
 * server holds, the GRANT and REVOKE statements between the two, and who may run them. Planning
 * against what the server holds (not against the last state) makes every apply idempotent.
 */
import { escapeIdentifier } from "pg";
import { PgAuditSettingError } from "../../model/errors";
import { AUDITABLE_RELKINDS, formatTableName, parseTableName, OBJECT_PRIVILEGES, type ObjectPrivilege, type TableName } from "../../model/objectAudit";
import type { ObjectEntry } from "./schema";

/** One privilege of the audit role: on a whole table (column null) or on one column. */
export interface Grant extends TableName {
    readonly privilege: ObjectPrivilege;
    readonly column: string | null;
}

const grantKey = (g: Grant) => JSON.stringify([g.schema, g.table, g.privilege, g.column]);
const tableKey = (t: TableName) => JSON.stringify([t.schema, t.table]);

function tableOf(entry: ObjectEntry): TableName {
    const parsed = parseTableName(entry.table);
    // Entries reach here through the schema, which only lets well-formed names through.
    if ("error" in parsed) throw new Error(`invalid table in state: ${parsed.error}`);
    return parsed;
}

/** The declared objects as single privileges, duplicates merged. */
export function declaredGrants(objects: readonly ObjectEntry[]): Grant[] {
    const out = new Map<string, Grant>();
    for (const entry of objects) {
        const table = tableOf(entry);
        for (const privilege of entry.privileges) {
            for (const column of entry.columns ?? [null]) {
                const g = { ...table, privilege, column };
                out.set(grantKey(g), g);
            }
        }
    }
    return sortGrants([...out.values()]);
}

export function sortGrants(grants: readonly Grant[]): Grant[] {
    return [...grants].sort((a, b) => (grantKey(a) < grantKey(b) ? -1 : grantKey(a) > grantKey(b) ? 1 : 0));
}

export function sameGrants(a: readonly Grant[], b: readonly Grant[]): boolean {
    const keys = (g: readonly Grant[]) => [...new Set(g.map(grantKey))].sort().join("\n");
    return keys(a) === keys(b);
}

/** Grants back into entries, for state and display: one entry per table and column set. */
export function entriesOf(grants: readonly Grant[]): ObjectEntry[] {
    const byTable = new Map<string, { table: TableName; whole: Set<ObjectPrivilege>; columns: Map<ObjectPrivilege, Set<string>> }>();
    for (const g of grants) {
        const key = tableKey(g);
        let t = byTable.get(key);
        if (!t) byTable.set(key, (t = { table: { schema: g.schema, table: g.table }, whole: new Set(), columns: new Map() }));
        if (g.column === null) t.whole.add(g.privilege);
        else (t.columns.get(g.privilege) ?? t.columns.set(g.privilege, new Set()).get(g.privilege)!).add(g.column);
    }
    const entries: ObjectEntry[] = [];
    for (const t of byTable.values()) {
        const table = formatTableName(t.table);
        if (t.whole.size > 0) entries.push({ table, privileges: [...t.whole].sort() });
        const bySet = new Map<string, { columns: string[]; privileges: ObjectPrivilege[] }>();
        for (const [privilege, cols] of t.columns) {
            const columns = [...cols].sort();
            const key = JSON.stringify(columns);
            (bySet.get(key) ?? bySet.set(key, { columns, privileges: [] }).get(key)!).privileges.push(privilege);
        }
        for (const { columns, privileges } of bySet.values()) entries.push({ table, privileges: privileges.sort(), columns });
    }
    return entries.sort((a, b) => {
        const key = (e: ObjectEntry) => JSON.stringify([e.table, e.columns ?? null, e.privileges]);
        return key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0;
    });
}

export interface GrantPlan {
    readonly grant: Grant[];
    readonly revoke: Grant[];
}

/**
 * What to revoke and grant so that the audit role holds exactly `desired`. A table-wide REVOKE
 * also takes the column privileges of the same kind (PostgreSQL does so), so declared column
 * privileges under a revoked table-wide one are granted again.
 */
export function planGrants(found: readonly Grant[], desired: readonly Grant[]): GrantPlan {
    const want = new Set(desired.map(grantKey));
    const revoke = found.filter((g) => !want.has(grantKey(g)));
    const revokedWhole = new Set(revoke.filter((g) => g.column === null).map((g) => JSON.stringify([g.schema, g.table, g.privilege])));
    const left = new Set(
        found.filter((g) => want.has(grantKey(g)) && !(g.column !== null && revokedWhole.has(JSON.stringify([g.schema, g.table, g.privilege])))).map(grantKey),
    );
    const grant = desired.filter((g) => !left.has(grantKey(g)));
    return { grant: sortGrants(grant), revoke: sortGrants(revoke) };
}

export function tablesOf(grants: readonly Grant[]): TableName[] {
    const out = new Map<string, TableName>();
    for (const g of grants) out.set(tableKey(g), { schema: g.schema, table: g.table });
    return [...out.values()];
}

const qualified = (t: TableName) => `${escapeIdentifier(t.schema)}.${escapeIdentifier(t.table)}`;

/** `SELECT ("pan"), UPDATE`: a table's privileges of one statement, column lists where given. */
function privilegeList(grants: readonly Grant[]): string {
    const parts: string[] = [];
    for (const privilege of OBJECT_PRIVILEGES) {
        const mine = grants.filter((g) => g.privilege === privilege);
        if (mine.some((g) => g.column === null)) parts.push(privilege.toUpperCase());
        const columns = mine.filter((g) => g.column !== null).map((g) => escapeIdentifier(g.column!));
        if (columns.length > 0) parts.push(`${privilege.toUpperCase()} (${columns.join(", ")})`);
    }
    return parts.join(", ");
}

/** The statements of a plan: every REVOKE first, then every GRANT; one statement per table each. */
export function planStatements(plan: GrantPlan, auditRole: string): string[] {
    const role = escapeIdentifier(auditRole);
    const perTable = (grants: readonly Grant[], make: (privileges: string, table: string) => string) =>
        tablesOf(grants).map((t) => make(privilegeList(grants.filter((g) => tableKey(g) === tableKey(t))), qualified(t)));
    return [
        ...perTable(plan.revoke, (privileges, table) => `REVOKE ${privileges} ON TABLE ${table} FROM ${role}`),
        ...perTable(plan.grant, (privileges, table) => `GRANT ${privileges} ON TABLE ${table} TO ${role}`),
    ];
}

export const createRoleSql = (role: string) => `CREATE ROLE ${escapeIdentifier(role)} NOLOGIN`;
export const dropRoleSql = (role: string) => `DROP ROLE ${escapeIdentifier(role)}`;

/** What the server says about a table the plan touches. */
export interface TableFacts extends TableName {
    /** null when no such table (or view) exists. */
    readonly owner: string | null;
    readonly relkind: string | null;
    /** The connecting role has the privileges of the owner (is it, or an inheriting member). */
    readonly actsAsOwner: boolean;
    /** Privileges the connecting role holds WITH GRANT OPTION on the whole table. */
    readonly grantable: readonly ObjectPrivilege[];
    readonly columns: readonly string[];
}

const show = (t: TableName) => JSON.stringify(formatTableName(t));

/** Refuses, before anything is written, a declaration this database cannot hold. */
export function assertDeclaredExist(database: string, desired: readonly Grant[], facts: readonly TableFacts[]): void {
    const problems: string[] = [];
    const byKey = new Map(facts.map((f) => [tableKey(f), f]));
    for (const t of tablesOf(desired)) {
        const f = byKey.get(tableKey(t));
        if (!f || f.owner === null) {
            problems.push(
                `table ${show(t)} does not exist in database ${JSON.stringify(database)} (names are case-sensitive; create it first, or depend on what creates it)`,
            );
            continue;
        }
        if (!AUDITABLE_RELKINDS.includes(f.relkind ?? "")) problems.push(`${show(t)} is not a table, view, materialized view or foreign table`);
        const missing = [
            ...new Set(desired.filter((g) => tableKey(g) === tableKey(t) && g.column !== null && !f.columns.includes(g.column)).map((g) => g.column!)),
        ];
        if (missing.length > 0) problems.push(`table ${show(t)} has no column ${missing.map((c) => JSON.stringify(c)).join(", ")}`);
    }
    if (problems.length > 0) throw new PgAuditSettingError(`object audit of database ${JSON.stringify(database)}: ${problems.join("; ")}; nothing was changed`);
}

/**
 * Who may GRANT or REVOKE on a table: its owner (or an inheriting member of the owner role), or a
 * role holding the privilege WITH GRANT OPTION. Anything else fails (or, worse, only warns
 * "no privileges were granted"), so it is refused before anything is written, saying who can.
 */
export function assertMayGrant(database: string, user: string, plan: GrantPlan, facts: readonly TableFacts[]): void {
    const byKey = new Map(facts.map((f) => [tableKey(f), f]));
    const problems: string[] = [];
    const changes = [...plan.grant, ...plan.revoke];
    for (const t of tablesOf(changes)) {
        const f = byKey.get(tableKey(t));
        if (!f || f.owner === null || f.actsAsOwner) continue;
        const needed = [...new Set(changes.filter((g) => tableKey(g) === tableKey(t)).map((g) => g.privilege))].sort();
        const lacking = needed.filter((p) => !f.grantable.includes(p));
        if (lacking.length === 0) continue;
        const owner = escapeIdentifier(f.owner);
        const list = lacking.map((p) => p.toUpperCase()).join(", ");
        problems.push(
            `${JSON.stringify(user)} may not grant ${list} on ${show(t)}: its owner is ${JSON.stringify(f.owner)}, and ${JSON.stringify(user)} is neither that role ` +
                `(nor an inheriting member of it) nor holds ${list} WITH GRANT OPTION. Fix, one of: GRANT ${owner} TO ${escapeIdentifier(user)} ` +
                `(then it grants as the owner; PostgreSQL 16+ needs ADMIN OPTION on ${owner} for that, which the role that created ${owner} has); ` +
                `as ${owner}: GRANT ${list} ON TABLE ${qualified(t)} TO ${escapeIdentifier(user)} WITH GRANT OPTION; or ALTER TABLE ${qualified(t)} OWNER TO ${escapeIdentifier(user)}`,
        );
    }
    if (problems.length > 0) {
        throw new PgAuditSettingError(
            `object audit of database ${JSON.stringify(database)} cannot be applied, so nothing was changed: ${problems.join("; ")}`,
            "42501",
        );
    }
}

/** At create, privileges the audit role already holds belong to someone: refuse unless adopted. */
export function assertNoForeignGrants(database: string, auditRole: string, found: readonly Grant[], desired: readonly Grant[], adopt: boolean): void {
    if (adopt) return;
    const want = new Set(desired.map(grantKey));
    const foreign = found.filter((g) => !want.has(grantKey(g)));
    if (foreign.length === 0) return;
    const shown = entriesOf(foreign)
        .map((e) => `${e.privileges.join(", ")} on ${e.table}${e.columns ? ` (${e.columns.join(", ")})` : ""}`)
        .join("; ");
    throw new PgAuditSettingError(
        `role ${JSON.stringify(auditRole)} already holds privileges in database ${JSON.stringify(database)} that this resource does not declare: ${shown}. ` +
            `Those decide what pgaudit audits. To take them over (and revoke what is not declared), set adopt: true; or declare them; or REVOKE them by hand first.`,
    );
}

/** After writing, the server must hold exactly the declaration; else the transaction is rolled back. */
export function assertReached(database: string, auditRole: string, after: readonly Grant[], desired: readonly Grant[]): void {
    if (sameGrants(after, desired)) return;
    const want = new Set(desired.map(grantKey));
    const have = new Set(after.map(grantKey));
    const missing = desired.filter((g) => !have.has(grantKey(g)));
    const extra = after.filter((g) => !want.has(grantKey(g)));
    const say = (grants: Grant[]) =>
        entriesOf(grants)
            .map((e) => `${e.privileges.join(", ")} on ${e.table}${e.columns ? ` (${e.columns.join(", ")})` : ""}`)
            .join("; ");
    throw new PgAuditSettingError(
        `object audit of database ${JSON.stringify(database)} did not converge, so nothing was changed: ` +
            (missing.length
                ? `still not granted to ${JSON.stringify(auditRole)}: ${say(missing)} (PostgreSQL only warns "no privileges were granted" without a grant option). `
                : "") +
            (extra.length
                ? `still held by ${JSON.stringify(auditRole)}: ${say(extra)} (a REVOKE removes only what its grantor granted: revoke these as the role that granted them). `
                : "") +
            `Fix the privileges of the connecting role and run pulumi up again.`,
    );
}
