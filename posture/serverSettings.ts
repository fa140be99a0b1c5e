/**
 * The server-wide pgaudit values, as far as a (non-superuser) role can see them.
 *
 * Measured on PostgreSQL 15 as a non-superuser: pg_settings shows `setting`, `reset_val`,
 * `boot_val` and `source` of pgaudit.*, but not `sourcefile`, and pg_file_settings is refused
 * (42501). A session's values already include the overrides that applied at its login, and
 * `source` says so ("database", "user", "database user", "global"). So the server-wide value is
 * `reset_val` only where `source` is a server-level source; elsewhere it is masked. A mask of the
 * connecting database can be stepped around by reading pg_settings from another database; a mask
 * on the connecting role (or ALTER ROLE ALL) applies in every session it can open.
 */
import type { CatalogSnapshot, DatabaseRow, NoConnectRow, OverrideRow, SessionRow, SettingRow, SettingsView } from "./catalogRows";
import type { OverrideScope, ServerSetting } from "./model";

/** pg_settings sources below every per-database/role override (guc.c GucSource_Names). */
const SERVER_SOURCES = new Set(["default", "environment variable", "configuration file", "command line", "override"]);

/** The sources that per-database/role overrides write at login, by the scope that wrote them. */
const OVERRIDE_SOURCES = {
    global: "all-roles",
    database: "database",
    user: "role",
    "database user": "role-in-database",
} as const;

function isServerSource(source: string): boolean {
    return SERVER_SOURCES.has(source);
}

/** The override scope that a session's `source` stands for, in that session's database as that session's role. */
function maskingScope(source: string, user: string, database: string): OverrideScope | undefined {
    const kind = OVERRIDE_SOURCES[source as keyof typeof OVERRIDE_SOURCES];
    switch (kind) {
        case "all-roles":
            return { kind };
        case "database":
            return { kind, database };
        case "role":
            return { kind, role: user };
        case "role-in-database":
            return { kind, role: user, database };
        default:
            return undefined;
    }
}

/** Names masked in the connecting database by an override that another database would not have. */
function maskedByDatabase(rows: readonly SettingRow[]): string[] {
    return rows.filter((r) => r.source === "database" || r.source === "database user").map((r) => r.name);
}

function parameterNames(entries: readonly string[]): Set<string> {
    return new Set(entries.map((e) => e.slice(0, Math.max(0, e.indexOf("="))).toLowerCase()));
}

/**
 * Another database whose sessions show the server-wide value of the settings the connecting
 * database masks: it accepts connections, we may connect, and it overrides none of them for us.
 * Undefined when nothing is masked by the connecting database, or no database fits.
 */
export function chooseFallbackDatabase(
    session: SessionRow,
    firstView: readonly SettingRow[],
    catalog: { databases: readonly DatabaseRow[]; overrides: readonly OverrideRow[]; noConnect: readonly NoConnectRow[]; currentRoleOid: number | undefined },
): string | undefined {
    const masked = maskedByDatabase(firstView);
    if (masked.length === 0) return undefined;
    const blocked = new Set(catalog.noConnect.filter((n) => n.role_oid === catalog.currentRoleOid).map((n) => n.database_oid));
    const candidates = catalog.databases
        .filter((d) => d.datallowconn && d.datname !== session.current_database && (session.superuser || !blocked.has(d.oid)))
        .filter((d) => {
            const here = catalog.overrides.filter((o) => o.setdatabase === d.oid && (o.setrole === 0 || o.setrole === catalog.currentRoleOid));
            const names = parameterNames(here.flatMap((o) => o.entries));
            return masked.every((name) => !names.has(name));
        })
        .map((d) => d.datname)
        .sort();
    return candidates[0];
}

/** Each pgaudit parameter's server-wide value: from the first view where no override masks it. */
export function resolveServerSettings(snapshot: Pick<CatalogSnapshot, "session" | "settingsViews">): ServerSetting[] {
    const [first, ...others] = snapshot.settingsViews;
    if (!first) return [];
    const views: readonly SettingsView[] = [first, ...others];
    return first.rows.map((row) => {
        for (const view of views) {
            const seen = view.rows.find((r) => r.name === row.name);
            if (seen && isServerSource(seen.source)) {
                return { name: row.name, value: seen.reset_val, source: seen.source, readIn: view.database };
            }
        }
        // Masked everywhere we looked: the last look names the mask that could not be stepped around.
        const last = [...views].reverse().find((v) => v.rows.some((r) => r.name === row.name)) ?? first;
        const source = last.rows.find((r) => r.name === row.name)?.source ?? row.source;
        const hiddenBy = maskingScope(source, snapshot.session.current_user, last.database);
        return { name: row.name, value: null, source: null, readIn: last.database, ...(hiddenBy ? { hiddenBy } : {}) };
    });
}
