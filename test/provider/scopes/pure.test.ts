/**
 * PgAuditScopes' pure core: the scope keys and settings lines kept in state, check (every failure
 * with its path), and diff. No database.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { decodeSettingsText, encodeSettingsText, parseScopeId, scopeId, UNKNOWN } from "../../../provider";
import { pgAuditScopesProvider as provider } from "../../support/providers";
import { checkScopesInputs, diffScopes, parseScopesState } from "../../../provider/scopes/lifecycle";

const HOSTILE = [`a"b`, `a'b`, `sl/ash`, `per%cent`, `role/x/database/y`, `new\nline`, `ünï 🎉`, ` `, `;`, `=`, `\\`];

test("scope keys: every scope round-trips, keys are unique, and text that is not a key is refused", () => {
    const keys = new Set<string>();
    for (const n of HOSTILE) {
        for (const scope of [{ database: n }, { role: n }, { role: n, database: n }]) {
            const key = scopeId(scope);
            keys.add(key);
            assert.deepEqual(parseScopeId(key), scope, key);
        }
    }
    assert.equal(keys.size, HOSTILE.length * 3);
    assert.equal(scopeId({ role: "app", database: "shop" }), "role/app/database/shop");
    for (const bad of ["", "role", "database/a/role/b", "role/a/database/b/x", "role/adatabase/b", "role/%E0", "users/x"]) {
        assert.equal(parseScopeId(bad), undefined, bad);
    }
});

test("settings lines: one line a scope, in definition order, and every value (even one typed by hand) round-trips", () => {
    assert.equal(encodeSettingsText({ logCatalog: false, log: ["all", "-misc"] }), "log=all,-misc; logCatalog=false");
    assert.equal(encodeSettingsText({ role: "auditor", logLevel: "notice", logParameterMaxSize: 0 }), "logLevel=notice; logParameterMaxSize=0; role=auditor");
    const cases = [
        {},
        { log: [] },
        { log: ["read", "-misc_set"], logMaxStringLength: -1, logRelation: true },
        { role: `a"b; log=all` },
        { role: "" },
        { log: "reed,,x" }, // a value set by hand that pgaudit's syntax does not allow
        { logCatalog: "maybe", logParameterMaxSize: "12kB" },
        ...HOSTILE.map((role) => ({ role })),
    ];
    for (const values of cases) assert.deepEqual(decodeSettingsText(encodeSettingsText(values as never)), values, JSON.stringify(values));
    for (const bad of ["log", "log=ddl;logCatalog=true", "nope=1", "log=ddl; log=ddl", "logCatalog=yes", 'role="x"y', "logRows=1"]) {
        assert.throws(() => decodeSettingsText(bad), /not a pgaudit settings line/, bad);
    }
});

const check = (news: Record<string, unknown>) => provider.check({}, news);

test("check reports every failure at once, each with its path, never a value of the connection", async () => {
    const result = await check({
        connection: "postgresql://u:hunter2@h:99999/d",
        scopes: [
            { role: "app", settings: { log: ["ddl"] } },
            { database: "shop", settings: { log: ["read", "reed"] } },
            { settings: { log: ["ddl"] } },
            { role: "app", settings: { logz: true, logCatalog: "yes" } },
            { role: "x".repeat(64), settings: {} },
            { database: "shop", colour: "red", settings: { log: "ddl" } },
        ],
        exclusive: "yes",
        extra: 1,
    });
    const got = result.failures!.map((f) => `${f.property}: ${f.reason}`);
    const expect = (property: string, reason: RegExp) =>
        assert.ok(
            result.failures!.some((f) => f.property === property && reason.test(f.reason)),
            `${property} ${reason}\n${got.join("\n")}`,
        );
    // Split as libpq does, the port is read and then refused as a port.
    expect("connection.port", /must be a TCP port from 1 to 65535/);
    expect("scopes[1].settings.log[1]", /"reed" is not a pgaudit class/);
    expect("scopes[2]", /set database, role, or both/);
    expect("scopes[3].settings.logz", /is not a known property; expected one of log, logCatalog/);
    expect("scopes[3].settings.logCatalog", /must be true or false/);
    expect("scopes[3]", /declares role "app" again \(first at scopes\[0\]\); merge the two entries/);
    expect("scopes[4].role", /63-byte name limit/);
    expect("scopes[4].settings", /to reset a scope, remove it from scopes/);
    expect("scopes[5].colour", /expected one of database, role, settings/);
    expect("scopes[5]", /declares database "shop" again \(first at scopes\[1\]\)/);
    expect("exclusive", /must be true or false/);
    expect("extra", /expected one of connection, scopes, adopt/);
    assert.ok(!got.join("\n").includes("hunter2"));

    const missing = await check({ scopes: [{ role: "app" }] });
    assert.deepEqual(
        missing.failures!.map((f) => f.property),
        ["connection", "scopes[0].settings"],
    );
});

test("check normalizes known inputs into the state's text even when the connection is unknown at preview; unknown scopes are not judged", async () => {
    const list = [
        { role: "app", settings: { log: "DDL, role" } },
        { role: "app", database: "shop", settings: { log: ["read"], logLevel: "NOTICE" } },
    ];
    const known = await check({ connection: UNKNOWN, scopes: list });
    assert.deepEqual(known.failures, []);
    // One JSON text, an entry a line: one string for the engine, one line a scope in preview --diff.
    assert.equal(known.inputs!.scopes, '{\n"role/app": "log=ddl,role",\n"role/app/database/shop": "log=read; logLevel=notice"\n}');
    assert.equal(known.inputs!.connection, UNKNOWN);
    assert.equal(known.inputs!.adopt, false);
    // The engine's Struct has no undefined: a key holding one fails the preview ("Unexpected struct type").
    assert.deepEqual(
        Object.entries(known.inputs!)
            .filter(([, v]) => v === undefined)
            .map(([k]) => k),
        [],
        "no input is undefined",
    );

    const pending = await check({
        connection: "postgresql://u@h/d",
        scopes: [
            { role: UNKNOWN, settings: { log: ["ddl"] } },
            { role: UNKNOWN, settings: UNKNOWN },
        ],
    });
    assert.deepEqual(pending.failures, [], "two unknown roles are not a duplicate");
    assert.ok(Array.isArray(pending.inputs!.scopes), "left as given until known");
});

test("check drops only the failures under a value unknown at preview, at every depth of the list; the rest are reported at their own paths", async () => {
    const result = await check({
        connection: "postgresql://u@h/d",
        scopes: [
            { role: "a", settings: { log: ["reed"] } },
            { role: "b", settings: { log: [UNKNOWN, "reed"] } },
            { role: UNKNOWN, settings: { log: ["reed"] } },
            { database: "shop", role: "c", settings: UNKNOWN },
        ],
    });
    assert.deepEqual(
        result.failures!.map((f) => f.property),
        ["scopes[0].settings.log[0]", "scopes[1].settings.log[1]", "scopes[2].settings.log[0]"],
    );
});

async function checkedState(scopes: unknown[], extra: Record<string, unknown> = {}) {
    const result = await check({ connection: "postgresql://u:p@h/d", scopes, ...extra });
    assert.deepEqual(result.failures, []);
    return result.inputs!;
}

test("diff: per-scope meaning, not text; any added, removed or changed scope, connection or option is an update; only another server replaces", async () => {
    const base = await checkedState([
        { role: "app", settings: { log: ["ddl", "role"] } },
        { database: "shop", settings: { log: ["all", "-misc"] } },
    ]);
    const same = await checkedState([
        { database: "shop", settings: { log: "ALL, -misc" } },
        { role: "app", settings: { log: ["role", "ddl", "none"] } },
    ]);
    assert.deepEqual(diffScopes(base, same), { changes: false, changed: [], replaces: [] });
    assert.deepEqual((await provider.diff("id", base, same)).replaces, []);

    const order = await checkedState([
        { role: "app", settings: { log: ["ddl", "role"] } },
        { database: "shop", settings: { log: ["-misc", "all"] } },
    ]);
    assert.deepEqual(diffScopes(base, order).changed, ["scopes"], "pgaudit reads left to right");
    const fewer = await checkedState([{ role: "app", settings: { log: ["ddl", "role"] } }]);
    assert.deepEqual(diffScopes(base, fewer).changed, ["scopes"]);
    const other = await checkedState(
        [
            { role: "app", settings: { log: ["ddl", "role"] } },
            { database: "shop", settings: { log: ["all", "-misc"] } },
        ],
        { connection: "postgresql://u:rotated@h/d", exclusive: true },
    );
    assert.deepEqual(diffScopes(base, other).changed, ["connection", "exclusive"]);
    assert.deepEqual(diffScopes(base, other).replaces, [], "a rotated password: same server, an update");
    const moved = await checkedState([{ role: "app", settings: { log: ["ddl", "role"] } }], { connection: "postgresql://u:p@other-host/d" });
    assert.deepEqual(diffScopes(base, moved).replaces, ["connection"], "another server: create there first, then delete here");
    assert.deepEqual((await provider.diff("id", base, moved)).replaces, ["connection"]);
    const label = { stack: "proj/dev", resource: 'PgAuditScopes "a"' };
    assert.deepEqual(
        diffScopes({ ...base, owner: label }, { ...base, owner: { ...label, stack: "proj/prod" } }).changed,
        ["owner"],
        "a renamed stack updates the records",
    );
    assert.equal((await provider.diff("id", base, { ...base, adopt: true })).changes, false, "adopt only matters when a scope is taken over");
    assert.deepEqual(diffScopes(base, { ...base, scopes: [{ role: UNKNOWN }] }).changed, ["scopes"], "unknown at preview: a change");

    const exclusive = await checkedState([{ role: "app", settings: { log: ["ddl"] } }], { exclusive: true });
    const found = { ...exclusive, undeclared: [{ role: "x", name: "pgaudit.log", value: "none", resettable: true }] };
    assert.deepEqual(diffScopes(found, exclusive).changed, ["undeclared"], "an undeclared override found by refresh is reset by the next up");
    const blocked = { ...exclusive, undeclared: [{ role: "x", name: "pgaudit.log", value: "none", resettable: false, reason: "superuser" }] };
    assert.deepEqual(
        diffScopes(blocked, { ...exclusive, onUnresettable: "report" }).changed,
        ["onUnresettable"],
        "under report, one it cannot reset is no change",
    );
});

test("check takes the text PgAuditScopes sends for a plain list (or the map earlier versions sent), validates every key and line anew, and normalizes it", () => {
    const connection = "postgresql://a:b@h:5432/d";
    const text = '{\n"role/app": "log=ddl,role",\n"database/shop": "log=all; logCatalog=false"\n}';
    const ok = checkScopesInputs({ connection, scopes: '{"role/app":"log=ddl,role","database/shop":"logCatalog=false; log=all"}' });
    assert.deepEqual(ok.failures, []);
    assert.equal(ok.inputs.scopes, text, "normalized, in the one text form");
    const map = checkScopesInputs({ connection, scopes: { "role/app": "log=ddl,role", "database/shop": "log=all; logCatalog=false" } });
    assert.equal(map.inputs.scopes, text, "a map comes out as the text");
    const bad = checkScopesInputs({ connection, scopes: JSON.stringify({ "user/app": "log=ddl", "role/x": "log=reed", "role/y": 3 }) });
    assert.deepEqual(bad.failures.map((f) => f.property).sort(), ["scopes.role/x", "scopes.role/y", "scopes.user/app"], JSON.stringify(bad.failures));
    const notText = checkScopesInputs({ connection, scopes: "role/app: log=ddl" });
    assert.deepEqual(
        notText.failures.map((f) => f.property),
        ["scopes"],
        "a string that is not the text is refused by name",
    );
});

test("diff: state of earlier versions keeps the scopes as a map; the same declaration as text is no change, a changed line is", async () => {
    const text = await checkedState([
        { role: "app", settings: { log: ["ddl", "role"] } },
        { database: "shop", settings: { log: ["all"] } },
    ]);
    const mapState = { ...text, scopes: { "database/shop": "log=all", "role/app": "log=ddl,role" } };
    assert.deepEqual(diffScopes(mapState, text), { changes: false, changed: [], replaces: [] });
    assert.deepEqual(diffScopes(mapState, { ...text, scopes: '{"role/app": "log=ddl", "database/shop": "log=all"}' }).changed, ["scopes"]);
    assert.deepEqual(
        parseScopesState(mapState).scopes.map((s) => s.key),
        ["database/shop", "role/app"],
        "create, update, read and delete read the old map",
    );
});
