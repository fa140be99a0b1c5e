/**
 * Exclusive mode, the pure part, shared by PgAuditExclusive and PgAuditScopes' `exclusive`:
 * which pgaudit overrides sit at scopes the stack does not declare, whether the connecting role
 * may reset each (PostgreSQL's own rules, so that nothing is half-done), and the RESET
 * statements. Only pgaudit.* parameters ever reach this file.
 */
import { escapeIdentifier } from "pg";
import { PgAuditSettingError } from "../../model/errors";
import { describeScope } from "../../model/scope";
import { parameterIdentifier, resetParameterSql, splitSetconfigEntry } from "../../model/sql";
import type { DeclaredScope, UndeclaredOverride } from "../../model/undeclared";

/** A pg_db_role_setting row with its pgaudit entries and what decides who may reset them. */
export interface PgAuditOverrideRow {
    readonly setdatabase: number;
    readonly setrole: number;
    readonly datname: string | null;
    readonly rolname: string | null;
    readonly rolsuper: boolean | null;
    /** The connecting role has the privileges of the database's owner (null: no database). */
    readonly owns_database: boolean | null;
    /** The connecting role holds ADMIN OPTION on the row's role (null: no role). */
    readonly admin_of_role: boolean | null;
    /** "pgaudit.name=value" entries only. */
    readonly entries: readonly string[];
}

/** Who is connected, as far as permission to RESET goes. */
export interface ExclusiveFacts {
    readonly currentUser: string;
    readonly superuser: boolean;
    readonly createrole: boolean;
    readonly versionNum: number;
    /** pgaudit parameters the server knows but the connecting role may not SET (no GRANT SET ON PARAMETER). */
    readonly unsettableParameters: readonly string[];
}

function rowScope(row: PgAuditOverrideRow): DeclaredScope | Record<string, never> {
    return {
        ...(row.setdatabase !== 0 && row.datname !== null ? { database: row.datname } : {}),
        ...(row.setrole !== 0 && row.rolname !== null ? { role: row.rolname } : {}),
    };
}

function sameScope(a: { database?: string; role?: string }, b: { database?: string; role?: string }): boolean {
    return a.database === b.database && a.role === b.role;
}

/** How an undeclared override's scope reads in messages; no scope at all is ALTER ROLE ALL. */
function describeOverrideScope(scope: { database?: string; role?: string }): string {
    return scope.database === undefined && scope.role === undefined ? "all roles in all databases (ALTER ROLE ALL)" : describeScope(scope);
}

/** Why the connecting role may not reset `name` at `row`'s scope, or undefined when it may (PostgreSQL 15–18 rules). */
export function whyNotResettable(row: PgAuditOverrideRow, name: string, facts: ExclusiveFacts): string | undefined {
    if (facts.superuser) return undefined;
    const user = JSON.stringify(facts.currentUser);
    const declareIt = "or add the scope to the declared scopes to accept it";
    if (facts.unsettableParameters.includes(name)) {
        return `${user} lacks GRANT SET ON PARAMETER ${name} (on Aiven, enable pgaudit on the service); ask a superuser to RESET it, ${declareIt}`;
    }
    if (row.setdatabase === 0 && row.setrole === 0) {
        return `ALTER ROLE ALL needs a superuser and ${user} is not one; a superuser must run ALTER ROLE ALL RESET ${name} (on Aiven, ask Aiven support)`;
    }
    if (row.setrole === 0) {
        if (row.owns_database) return undefined;
        return `only the owner of database ${JSON.stringify(row.datname)} may reset it: run ALTER DATABASE … OWNER TO ${user}, ${declareIt}`;
    }
    if (row.rolsuper) return `role ${JSON.stringify(row.rolname)} is a superuser and only a superuser may change its settings; ${declareIt}`;
    if (row.rolname === facts.currentUser) return undefined;
    if (!facts.createrole) return `${user} has no CREATEROLE, which ALTER ROLE … RESET needs; ${declareIt}`;
    if (facts.versionNum >= 160000 && !row.admin_of_role) {
        return (
            `PostgreSQL 16+ needs ADMIN OPTION on role ${JSON.stringify(row.rolname)} (implicit only for roles ${user} created): ` +
            `GRANT ${escapeIdentifier(row.rolname!)} TO ${escapeIdentifier(facts.currentUser)} WITH ADMIN OPTION, run by a superuser or a role that holds ADMIN OPTION on it, ${declareIt}`
        );
    }
    return undefined;
}

/** Every pgaudit entry at a scope that `declared` does not list, with whether we may reset it. */
export function findUndeclared(rows: readonly PgAuditOverrideRow[], declared: readonly DeclaredScope[], facts: ExclusiveFacts): UndeclaredOverride[] {
    const found: UndeclaredOverride[] = [];
    for (const row of rows) {
        const scope = rowScope(row);
        if (declared.some((d) => sameScope(d, scope))) continue;
        for (const entry of row.entries) {
            const [rawName, value] = splitSetconfigEntry(entry);
            const name = rawName.toLowerCase();
            if (!name.startsWith("pgaudit.")) continue; // never touch another parameter, even if one slipped through
            const reason = whyNotResettable(row, name, facts);
            found.push({ ...scope, name, value, resettable: reason === undefined, ...(reason !== undefined ? { reason } : {}) });
        }
    }
    return found.sort(compareUndeclared);
}

function compareUndeclared(a: UndeclaredOverride, b: UndeclaredOverride): number {
    const key = (o: UndeclaredOverride) => JSON.stringify([o.database ?? "", o.role ?? "", o.name]);
    return key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0;
}

/** The RESET of one undeclared entry; only this parameter at only this scope. */
export function resetStatement(o: UndeclaredOverride): string {
    if (o.database === undefined && o.role === undefined) return `ALTER ROLE ALL RESET ${parameterIdentifier(o.name)}`;
    return resetParameterSql({ ...(o.database !== undefined ? { database: o.database } : {}), ...(o.role !== undefined ? { role: o.role } : {}) }, o.name);
}

/** `pgaudit.log = 'none' at role "app"`. */
export function describeUndeclared(o: UndeclaredOverride): string {
    return `${o.name} = ${JSON.stringify(o.value)} at ${describeOverrideScope(o)}`;
}

/** The error create/update raise, before writing anything, when exclusivity cannot be reached. */
export function unresettableError(blocked: readonly UndeclaredOverride[]): PgAuditSettingError {
    const items = blocked.map((o) => `${describeUndeclared(o)}: ${o.reason}`);
    return new PgAuditSettingError(
        `exclusive pgaudit mode cannot be enforced: ${blocked.length} undeclared pgaudit override(s) cannot be reset by the connecting role, ` +
            `so nothing was changed:\n  - ${items.join("\n  - ")}\n` +
            `Fix each as said, or set onUnresettable: "report" to reset the others and keep these listed in the resource's "undeclared" output.`,
    );
}
