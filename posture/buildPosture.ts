/**
 * Turns a catalog snapshot into the audit posture: pure, so that any catalog size costs the same
 * few queries and the precedence rules can be tested without a server.
 */
import { auditLinesOf } from "./auditLines";
import type { CatalogSnapshot } from "./catalogRows";
import type { AuditPosture, EffectivePosture, Override } from "./model";
import { listOverrides, OVERRIDE_PRECEDENCE, OverrideIndex, resolveEffective } from "./precedence";
import { resolveServerSettings } from "./serverSettings";

const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Strongest scope first, then by database, role and parameter: the same catalog always reads the same. */
function compareOverrides(a: Override, b: Override): number {
    const rank = (o: Override) => OVERRIDE_PRECEDENCE.indexOf(o.scope.kind);
    const field = (o: Override, k: "database" | "role") => (k in o.scope ? (o.scope as Record<string, string>)[k] : "");
    return rank(a) - rank(b) || byText(field(a, "database"), field(b, "database")) || byText(field(a, "role"), field(b, "role")) || byText(a.name, b.name);
}

export function buildAuditPosture(snapshot: CatalogSnapshot): AuditPosture {
    const server = resolveServerSettings(snapshot);
    const serverByName = new Map(server.map((s) => [s.name, s]));
    const overrides = listOverrides(snapshot.overrides).sort(compareOverrides);
    // Every parameter the server knows, plus any stored override it does not (shown, never hidden).
    const names = [...new Set([...server.map((s) => s.name), ...overrides.map((o) => o.name)])].sort(byText);

    const roles = [...snapshot.roles].sort((a, b) => byText(a.rolname, b.rolname));
    const databases = [...snapshot.databases].sort((a, b) => byText(a.datname, b.datname));
    const connectable = databases.filter((d) => d.datallowconn);
    const noConnect = new Set(snapshot.noConnect.map((n) => `${n.database_oid}/${n.role_oid}`));
    const index = new OverrideIndex(snapshot.overrides);

    const effective: EffectivePosture[] = [];
    for (const role of roles) {
        for (const db of connectable) {
            const settings = resolveEffective({ roleOid: role.oid, role: role.rolname, databaseOid: db.oid, database: db.datname }, names, index, serverByName);
            effective.push({
                role: role.rolname,
                database: db.datname,
                canLogin: role.rolcanlogin,
                canConnect: !noConnect.has(`${db.oid}/${role.oid}`),
                superuser: role.rolsuper,
                settings,
                auditLines: auditLinesOf(settings),
            });
        }
    }

    return {
        connectedAs: {
            user: snapshot.session.current_user,
            database: snapshot.session.current_database,
            host: snapshot.host,
            port: snapshot.port,
            superuser: snapshot.session.superuser,
        },
        serverVersion: snapshot.session.server_version,
        pgauditVersion: snapshot.session.pgaudit_version,
        // pg_settings lists pgaudit.* only when the library is loaded (log_min_messages always).
        pgauditLoaded: server.some((s) => s.name.startsWith("pgaudit.")),
        server,
        overrides,
        roles: roles.map((r) => ({ name: r.rolname, canLogin: r.rolcanlogin, superuser: r.rolsuper })),
        databases: databases.map((d) => ({ name: d.datname, owner: d.owner, allowsConnections: d.datallowconn })),
        effective,
        ...(snapshot.parameterGrants
            ? {
                  parameterGrants: snapshot.parameterGrants.map((g) => ({
                      ...g,
                      connectingRole: g.grantee === snapshot.session.current_user,
                  })),
              }
            : {}),
    };
}
