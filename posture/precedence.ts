/**
 * PostgreSQL's precedence at login, per setting: role-in-database > role > database (also
 * written by ALTER ROLE ALL IN DATABASE) > all roles (ALTER ROLE ALL) > the server-wide value.
 * Each pgaudit parameter resolves on its own, so a role's pgaudit.log may come from the role
 * while its pgaudit.log_level comes from the database. Overrides are not inherited through role
 * membership, and SET ROLE does not apply them, so only the logged-in role counts.
 */
import { splitSetconfigEntry } from "../model/sql";
import type { OverrideRow } from "./catalogRows";
import type { EffectiveSetting, Override, OverrideScope, ServerSetting } from "./model";

/** Strongest first. */
export const OVERRIDE_PRECEDENCE = ["role-in-database", "role", "database", "all-roles"] as const satisfies readonly OverrideScope["kind"][];

/** The scope a pg_db_role_setting row stands for, from its (database, role) pair; 0 = any. */
export function overrideScopeOf(row: Pick<OverrideRow, "setdatabase" | "setrole" | "datname" | "rolname">): OverrideScope {
    // A name can be missing only if the object vanished between two catalog reads; keep the oid visible.
    const database = row.datname ?? `(database oid ${row.setdatabase})`;
    const role = row.rolname ?? `(role oid ${row.setrole})`;
    if (row.setdatabase !== 0 && row.setrole !== 0) return { kind: "role-in-database", role, database };
    if (row.setrole !== 0) return { kind: "role", role };
    if (row.setdatabase !== 0) return { kind: "database", database };
    return { kind: "all-roles" };
}

/** Every pgaudit entry of the rows, with its scope; names as PostgreSQL stored them (lower case). */
export function listOverrides(rows: readonly OverrideRow[]): Override[] {
    return rows.flatMap((row) => {
        const scope = overrideScopeOf(row);
        return row.entries.map((entry) => {
            const [name, value] = splitSetconfigEntry(entry);
            return { scope, name: name.toLowerCase(), value };
        });
    });
}

/** The pgaudit entries of every (database, role) pair, for O(1) look-ups per role and database. */
export class OverrideIndex {
    private readonly byPair = new Map<string, ReadonlyMap<string, string>>();

    constructor(rows: readonly OverrideRow[]) {
        for (const row of rows) {
            const entries = new Map<string, string>();
            for (const entry of row.entries) {
                const [name, value] = splitSetconfigEntry(entry);
                entries.set(name.toLowerCase(), value);
            }
            this.byPair.set(OverrideIndex.key(row.setdatabase, row.setrole), entries);
        }
    }

    private static key(databaseOid: number, roleOid: number): string {
        return `${databaseOid}/${roleOid}`;
    }

    entries(databaseOid: number, roleOid: number): ReadonlyMap<string, string> | undefined {
        return this.byPair.get(OverrideIndex.key(databaseOid, roleOid));
    }
}

export interface LoginTarget {
    readonly roleOid: number;
    readonly role: string;
    readonly databaseOid: number;
    readonly database: string;
}

/** The pairs (database oid, role oid) and scopes to look in, strongest first. */
function lookups(target: LoginTarget): [number, number, OverrideScope][] {
    return [
        [target.databaseOid, target.roleOid, { kind: "role-in-database", role: target.role, database: target.database }],
        [0, target.roleOid, { kind: "role", role: target.role }],
        [target.databaseOid, 0, { kind: "database", database: target.database }],
        [0, 0, { kind: "all-roles" }],
    ];
}

/** What a session of `target.role` in `target.database` gets for each setting, and from where. */
export function resolveEffective(
    target: LoginTarget,
    names: readonly string[],
    index: OverrideIndex,
    server: ReadonlyMap<string, ServerSetting>,
): EffectiveSetting[] {
    const scopes = lookups(target).map(([db, role, scope]) => [index.entries(db, role), scope] as const);
    return names.map((name) => {
        for (const [entries, scope] of scopes) {
            const value = entries?.get(name);
            if (value !== undefined) return { name, value, from: scope };
        }
        const fromServer = server.get(name);
        return { name, value: fromServer?.value ?? null, from: { kind: "server", source: fromServer?.source ?? null } };
    });
}
