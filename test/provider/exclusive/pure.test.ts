// Pure tests of exclusive mode: inputs, diff (how drift becomes an update), which overrides are
// undeclared, who may reset them, the statements, and the tiny serialized provider.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { lazyProvider } from "../../../provider/core/lazyProvider";
import { checkExclusiveInputs, diffExclusive } from "../../../provider/exclusive/lifecycle";
import {
    findUndeclared,
    resetStatement,
    unresettableError,
    whyNotResettable,
    type ExclusiveFacts,
    type PgAuditOverrideRow,
} from "../../../provider/core/exclusiveMode";
import type { UndeclaredOverride } from "../../../model/undeclared";
import { UNKNOWN } from "../../../provider/setting/lifecycle";

const CONNECTION = "postgresql://avnadmin:pw@pg.example:12345/defaultdb?sslmode=require";
const RESOLVED = { host: "pg.example", port: 12345, user: "avnadmin", password: "pw", database: "defaultdb", sslMode: "require" };

const AVNADMIN: ExclusiveFacts = { currentUser: "avnadmin", superuser: false, createrole: true, versionNum: 150020, unsettableParameters: [] };

function row(fields: Partial<PgAuditOverrideRow> & Pick<PgAuditOverrideRow, "entries">): PgAuditOverrideRow {
    return { setdatabase: 0, setrole: 0, datname: null, rolname: null, rolsuper: null, owns_database: null, admin_of_role: null, ...fields };
}
const database = (datname: string, owns = true, entries = ["pgaudit.log=ddl"]) => row({ setdatabase: 100, datname, owns_database: owns, entries });
const role = (rolname: string, extra: Partial<PgAuditOverrideRow> = {}, entries = ["pgaudit.log=none"]) =>
    row({ setrole: 200, rolname, rolsuper: false, admin_of_role: false, entries, ...extra });

test("check: normalizes valid inputs; names each bad property with its fix; tolerates values unknown at preview", () => {
    assert.deepEqual(checkExclusiveInputs({ connection: CONNECTION, declaredScopes: [{ database: "shop" }, { role: "app", database: "shop" }] }), {
        inputs: {
            connection: RESOLVED,
            declaredScopes: [{ database: "shop" }, { role: "app", database: "shop" }],
            onUnresettable: "fail",
            connectDeadlineSeconds: 60,
        },
        failures: [],
    });
    const bad = checkExclusiveInputs({ declaredScopes: [{}, { database: "x", schema: "y" }], onUnresettable: "ignore" });
    assert.deepEqual(
        bad.failures.map((f) => f.property),
        ["connection", "declaredScopes[0]", "declaredScopes[1].schema", "onUnresettable"],
    );
    assert.match(bad.failures[3].reason, /fail, report/);
    const preview = checkExclusiveInputs({ connection: UNKNOWN, declaredScopes: [{ database: UNKNOWN }] });
    assert.deepEqual(preview.failures, []);
    // `undeclared` is an output: present in state, never an input failure.
    assert.deepEqual(checkExclusiveInputs({ connection: CONNECTION, declaredScopes: [], undeclared: [] }).failures, []);
});

test("diff: drift found by refresh is a change; scope order is not; under report, unresettable leftovers are not", () => {
    const state = {
        connection: RESOLVED,
        declaredScopes: [{ database: "shop" }, { role: "app" }],
        onUnresettable: "fail",
        connectDeadlineSeconds: 60,
        undeclared: [] as UndeclaredOverride[],
    };
    const news = { connection: RESOLVED, declaredScopes: [{ role: "app" }, { database: "shop" }], onUnresettable: "fail", connectDeadlineSeconds: 60 };
    assert.deepEqual(diffExclusive(state, news), { changes: false, changed: [] });
    assert.deepEqual(diffExclusive(state, { ...news, declaredScopes: [{ role: "app" }] }).changed, ["declaredScopes"]);
    assert.deepEqual(diffExclusive(state, { ...news, declaredScopes: UNKNOWN }).changed, ["declaredScopes"]);

    const handMade: UndeclaredOverride = { role: "app", database: "x", name: "pgaudit.log", value: "none", resettable: true };
    const stuck: UndeclaredOverride = { name: "pgaudit.log", value: "none", resettable: false, reason: "ALTER ROLE ALL needs a superuser" };
    assert.deepEqual(diffExclusive({ ...state, undeclared: [handMade] }, news).changed, ["undeclared"]);
    assert.deepEqual(diffExclusive({ ...state, undeclared: [stuck] }, news).changed, ["undeclared"]); // fail: the apply must say why
    assert.deepEqual(diffExclusive({ ...state, onUnresettable: "report", undeclared: [stuck] }, { ...news, onUnresettable: "report" }), {
        changes: false,
        changed: [],
    });
});

test("undeclared: only scopes the stack does not declare, exactly; never a parameter other than pgaudit.*", () => {
    const rows = [
        database("shop"),
        database("other"),
        role("app"),
        row({ setdatabase: 100, datname: "shop", setrole: 200, rolname: "app", rolsuper: false, entries: ["pgaudit.log=read", "work_mem=8MB"] }),
    ];
    const found = findUndeclared(rows, [{ database: "shop" }, { role: "app" }], AVNADMIN);
    assert.deepEqual(found, [
        { database: "other", name: "pgaudit.log", value: "ddl", resettable: true },
        { database: "shop", role: "app", name: "pgaudit.log", value: "read", resettable: true },
    ]);
    assert.deepEqual(findUndeclared(rows, [{ database: "shop" }, { role: "app" }, { role: "app", database: "shop" }, { database: "other" }], AVNADMIN), []);
});

test("who may reset: PostgreSQL's rules for a non-superuser, decided before anything is written", () => {
    const reason = (r: PgAuditOverrideRow, facts: ExclusiveFacts = AVNADMIN) => whyNotResettable(r, "pgaudit.log", facts);
    assert.match(reason(row({ entries: ["pgaudit.log=none"] }))!, /ALTER ROLE ALL needs a superuser/);
    assert.equal(reason(database("mine", true)), undefined);
    assert.match(reason(database("theirs", false))!, /only the owner of database "theirs"/);
    assert.match(reason(role("root", { rolsuper: true }))!, /is a superuser/);
    assert.equal(reason(role("app")), undefined); // PostgreSQL 15: CREATEROLE suffices
    assert.equal(reason(role("avnadmin"), { ...AVNADMIN, createrole: false }), undefined); // one's own settings
    assert.match(reason(role("app"), { ...AVNADMIN, createrole: false })!, /no CREATEROLE/);
    assert.match(reason(role("app"), { ...AVNADMIN, versionNum: 160004 })!, /ADMIN OPTION on role "app"/);
    assert.equal(reason(role("app", { admin_of_role: true }), { ...AVNADMIN, versionNum: 160004 }), undefined);
    assert.match(reason(role("app"), { ...AVNADMIN, unsettableParameters: ["pgaudit.log"] })!, /GRANT SET ON PARAMETER pgaudit\.log/);
    const superuser = { ...AVNADMIN, superuser: true };
    for (const r of [row({ entries: [] }), database("theirs", false), role("root", { rolsuper: true })]) assert.equal(reason(r, superuser), undefined);
});

test("RESET statements quote every name and touch one parameter at one scope", () => {
    const name = 'x"; DROP ROLE y; --';
    assert.equal(
        resetStatement({ role: name, name: "pgaudit.log", value: "none", resettable: true }),
        `ALTER ROLE "x""; DROP ROLE y; --" RESET "pgaudit"."log"`,
    );
    assert.equal(
        resetStatement({ role: "a", database: "b\nc", name: "pgaudit.log_level", value: "x", resettable: true }),
        `ALTER ROLE "a" IN DATABASE "b\nc" RESET "pgaudit"."log_level"`,
    );
    assert.equal(resetStatement({ database: "shop", name: "pgaudit.log", value: "x", resettable: true }), `ALTER DATABASE "shop" RESET "pgaudit"."log"`);
    assert.equal(resetStatement({ name: "pgaudit.log", value: "x", resettable: true }), `ALTER ROLE ALL RESET "pgaudit"."log"`);
});

test("the unresettable error lists every blocked override with its fix and says nothing was changed", () => {
    const err = unresettableError([
        { name: "pgaudit.log", value: "none", resettable: false, reason: "ALTER ROLE ALL needs a superuser" },
        { database: "theirs", name: "pgaudit.log", value: "", resettable: false, reason: "only the owner" },
    ]);
    assert.match(err.message, /2 undeclared pgaudit override\(s\) cannot be reset.*nothing was changed/);
    assert.match(err.message, /- pgaudit\.log = "none" at all roles in all databases \(ALTER ROLE ALL\): ALTER ROLE ALL needs a superuser/);
    assert.match(err.message, /- pgaudit\.log = "" at database "theirs": only the owner/);
    assert.match(err.message, /onUnresettable: "report"/);
});

test("the serialized provider fits the project's 2 KB budget: it loads the package by name at call time", async () => {
    // As dynamic.Resource does it: `() => provider`, the constructor's argument captured.
    const provider = lazyProvider("pgAuditExclusiveProvider");
    const { text } = await pulumi.runtime.serializeFunction(() => provider, { allowSecrets: true });
    const bytes = Buffer.byteLength(text, "utf8");
    assert.ok(bytes <= 2048, `__provider is ${bytes} bytes:\n${text}`);
    assert.deepEqual([...new Set([...text.matchAll(/require\(([^)]*)\)/g)].map((m) => m[1]))], ['"pulumi-aiven-pgaudit/provider"']);
    assert.match(text, /pgAuditExclusiveProvider/);
    assert.doesNotMatch(text, /ALTER|pg_db_role_setting|zod/);
});
