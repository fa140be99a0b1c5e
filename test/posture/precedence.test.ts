// Pure tests of the posture: PostgreSQL's precedence per setting, scopes, and what a
// non-superuser can know of server-wide values. The cluster tests check the same rules against
// real login sessions.
import { test } from "node:test";
import assert from "node:assert/strict";
import type { CatalogSnapshot, OverrideRow, SettingRow } from "../../posture/catalogRows";
import { buildAuditPosture } from "../../posture/buildPosture";
import { overrideScopeOf } from "../../posture/precedence";
import { chooseFallbackDatabase, resolveServerSettings } from "../../posture/serverSettings";
import type { EffectivePosture } from "../../posture/model";

const SHOP = 100;
const POSTGRES = 5;
const APP = 200;
const ETL = 201;
const ADMIN = 300;

function setting(name: string, reset_val: string, source = "command line"): SettingRow {
    return { name, reset_val, source };
}

function snapshot(overrides: OverrideRow[], extra: Partial<CatalogSnapshot> = {}): CatalogSnapshot {
    return {
        host: "db.example",
        port: 5432,
        session: {
            current_user: "avnadmin",
            current_database: "postgres",
            superuser: false,
            server_version: "15.20",
            server_version_num: 150020,
            pgaudit_version: "1.7",
        },
        settingsViews: [{ database: "postgres", rows: [setting("pgaudit.log", "ddl"), setting("pgaudit.log_level", "log", "default")] }],
        roles: [
            { oid: APP, rolname: "app", rolcanlogin: true, rolsuper: false },
            { oid: ETL, rolname: "etl", rolcanlogin: false, rolsuper: false },
            { oid: ADMIN, rolname: "avnadmin", rolcanlogin: true, rolsuper: false },
        ],
        databases: [
            { oid: POSTGRES, datname: "postgres", datallowconn: true, owner: "postgres" },
            { oid: SHOP, datname: "shop", datallowconn: true, owner: "avnadmin" },
            { oid: 1, datname: "template0", datallowconn: false, owner: "postgres" },
        ],
        overrides,
        noConnect: [],
        ...extra,
    };
}

function row(setdatabase: number, setrole: number, entries: string[]): OverrideRow {
    const names: Record<number, string> = { [SHOP]: "shop", [POSTGRES]: "postgres", [APP]: "app", [ETL]: "etl", [ADMIN]: "avnadmin" };
    return { setdatabase, setrole, datname: names[setdatabase] ?? null, rolname: names[setrole] ?? null, entries };
}

function pair(pairs: EffectivePosture[], role: string, database: string): EffectivePosture {
    const found = pairs.find((p) => p.role === role && p.database === database);
    assert.ok(found, `no pair ${role}@${database}`);
    return found;
}

function logOf(p: EffectivePosture) {
    return p.settings.find((s) => s.name === "pgaudit.log");
}

test("precedence: role-in-database > role > database > all roles > server, each level shown", () => {
    const layers = (levels: ("rid" | "role" | "db" | "all")[]) => {
        const rows: OverrideRow[] = [];
        if (levels.includes("rid")) rows.push(row(SHOP, APP, ["pgaudit.log=write"]));
        if (levels.includes("role")) rows.push(row(0, APP, ["pgaudit.log=none"]));
        if (levels.includes("db")) rows.push(row(SHOP, 0, ["pgaudit.log=ddl,role"]));
        if (levels.includes("all")) rows.push(row(0, 0, ["pgaudit.log=read"]));
        return logOf(pair(buildAuditPosture(snapshot(rows)).effective, "app", "shop"));
    };
    assert.deepEqual(layers(["rid", "role", "db", "all"]), {
        name: "pgaudit.log",
        value: "write",
        from: { kind: "role-in-database", role: "app", database: "shop" },
    });
    assert.deepEqual(layers(["role", "db", "all"]), { name: "pgaudit.log", value: "none", from: { kind: "role", role: "app" } });
    assert.deepEqual(layers(["db", "all"]), { name: "pgaudit.log", value: "ddl,role", from: { kind: "database", database: "shop" } });
    assert.deepEqual(layers(["all"]), { name: "pgaudit.log", value: "read", from: { kind: "all-roles" } });
    assert.deepEqual(layers([]), { name: "pgaudit.log", value: "ddl", from: { kind: "server", source: "command line" } });
});

test("precedence: a role set to none wins over its database's ddl, in every database", () => {
    const posture = buildAuditPosture(snapshot([row(SHOP, 0, ["pgaudit.log=ddl"]), row(0, APP, ["pgaudit.log=none"])]));
    for (const db of ["postgres", "shop"]) assert.equal(logOf(pair(posture.effective, "app", db))?.value, "none");
    assert.equal(logOf(pair(posture.effective, "avnadmin", "shop"))?.value, "ddl");
    assert.equal(logOf(pair(posture.effective, "avnadmin", "postgres"))?.from.kind, "server");
});

test("precedence: each pgaudit setting resolves on its own", () => {
    const posture = buildAuditPosture(snapshot([row(0, APP, ["pgaudit.log=none"]), row(SHOP, 0, ["pgaudit.log=ddl", "pgaudit.log_level=notice"])]));
    const settings = pair(posture.effective, "app", "shop").settings;
    assert.deepEqual(settings, [
        { name: "pgaudit.log", value: "none", from: { kind: "role", role: "app" } },
        { name: "pgaudit.log_level", value: "notice", from: { kind: "database", database: "shop" } },
    ]);
});

test("scopes: the (database, 0) row is the database scope, whichever statement wrote it; (0, 0) is all roles", () => {
    assert.deepEqual(overrideScopeOf({ setdatabase: SHOP, setrole: 0, datname: "shop", rolname: null }), { kind: "database", database: "shop" });
    assert.deepEqual(overrideScopeOf({ setdatabase: 0, setrole: 0, datname: null, rolname: null }), { kind: "all-roles" });
    assert.deepEqual(overrideScopeOf({ setdatabase: SHOP, setrole: APP, datname: "shop", rolname: "app" }), {
        kind: "role-in-database",
        role: "app",
        database: "shop",
    });
    assert.deepEqual(overrideScopeOf({ setdatabase: 0, setrole: APP, datname: null, rolname: "app" }), { kind: "role", role: "app" });
});

test("posture lists roles with LOGIN and without, CONNECT, and only databases that accept connections", () => {
    const posture = buildAuditPosture(snapshot([], { noConnect: [{ database_oid: SHOP, role_oid: APP }] }));
    assert.deepEqual([...new Set(posture.effective.map((p) => p.database))], ["postgres", "shop"]);
    assert.deepEqual(
        posture.effective.map((p) => [p.role, p.database, p.canLogin, p.canConnect]),
        [
            ["app", "postgres", true, true],
            ["app", "shop", true, false],
            ["avnadmin", "postgres", true, true],
            ["avnadmin", "shop", true, true],
            ["etl", "postgres", false, true],
            ["etl", "shop", false, true],
        ],
    );
});

test("overrides are listed strongest scope first, names lower-cased as PostgreSQL stores them", () => {
    const posture = buildAuditPosture(
        snapshot([row(0, 0, ["pgaudit.log=read"]), row(SHOP, 0, ["pgaudit.log=ddl"]), row(0, APP, ["pgaudit.log=none"]), row(SHOP, APP, ["pgaudit.log=all"])]),
    );
    assert.deepEqual(
        posture.overrides.map((o) => o.scope.kind),
        ["role-in-database", "role", "database", "all-roles"],
    );
});

test("server-wide: a value masked by the connecting database is taken from a second database's view", () => {
    const views = [
        { database: "shop", rows: [setting("pgaudit.log", "ddl,write", "database"), setting("pgaudit.role", "", "default")] },
        { database: "postgres", rows: [setting("pgaudit.log", "ddl"), setting("pgaudit.role", "", "default")] },
    ];
    const server = resolveServerSettings({ session: snapshot([]).session, settingsViews: views });
    assert.deepEqual(server, [
        { name: "pgaudit.log", value: "ddl", source: "command line", readIn: "postgres" },
        { name: "pgaudit.role", value: "", source: "default", readIn: "shop" },
    ]);
});

test("server-wide: a value masked by the connecting role's own override is hidden and says by what", () => {
    const views = [
        { database: "shop", rows: [setting("pgaudit.log", "all", "database user")] },
        { database: "postgres", rows: [setting("pgaudit.log", "all", "user")] },
    ];
    const [log] = resolveServerSettings({ session: snapshot([]).session, settingsViews: views });
    assert.deepEqual(log, { name: "pgaudit.log", value: null, source: null, readIn: "postgres", hiddenBy: { kind: "role", role: "avnadmin" } });
    const posture = buildAuditPosture(snapshot([row(0, ADMIN, ["pgaudit.log=all"])], { settingsViews: [views[1]] }));
    assert.deepEqual(logOf(pair(posture.effective, "app", "shop")), { name: "pgaudit.log", value: null, from: { kind: "server", source: null } });
});

test("server-wide: the second database is one we may connect to that overrides none of the masked settings", () => {
    const base = snapshot([]);
    const first = [setting("pgaudit.log", "ddl,write", "database"), setting("pgaudit.log_level", "notice", "user")];
    const databases = [
        { oid: 10, datname: "a_blocked", datallowconn: true, owner: "x" },
        { oid: 11, datname: "b_overridden", datallowconn: true, owner: "x" },
        { oid: 12, datname: "c_closed", datallowconn: false, owner: "x" },
        { oid: 13, datname: "d_good", datallowconn: true, owner: "x" },
        { oid: POSTGRES, datname: "postgres", datallowconn: true, owner: "x" },
    ];
    const catalog = {
        databases,
        overrides: [{ setdatabase: 11, setrole: 0, datname: "b_overridden", rolname: null, entries: ["pgaudit.log=read"] }],
        noConnect: [{ database_oid: 10, role_oid: ADMIN }],
        currentRoleOid: ADMIN,
    };
    assert.equal(chooseFallbackDatabase(base.session, first, catalog), "d_good");
    // Masked only by the role: no database helps, so none is read.
    assert.equal(chooseFallbackDatabase(base.session, [setting("pgaudit.log", "x", "user")], catalog), undefined);
    assert.equal(chooseFallbackDatabase(base.session, [setting("pgaudit.log", "x")], catalog), undefined);
});

test("pgaudit not loaded: no server settings, stored overrides still listed", () => {
    const posture = buildAuditPosture(snapshot([row(0, APP, ["pgaudit.log=none"])], { settingsViews: [{ database: "postgres", rows: [] }] }));
    assert.equal(posture.pgauditLoaded, false);
    assert.deepEqual(posture.server, []);
    assert.deepEqual(logOf(pair(posture.effective, "app", "shop")), { name: "pgaudit.log", value: "none", from: { kind: "role", role: "app" } });
});
