// Pure tests of `--require`: which pairs are required, what a violation names, and the fix it gives.
import { test } from "node:test";
import assert from "node:assert/strict";
import type { AuditPosture, EffectivePosture, SettingOrigin } from "../../posture/model";
import { checkRequirements, parseRequiredClasses } from "../../posture/requirements";

function pairOf(role: string, database: string, value: string | null, from: SettingOrigin, extra: Partial<EffectivePosture> = {}): EffectivePosture {
    // Lines that reach the server log: these tests are about classes (routing: evasion.rule.test.ts).
    const auditLines = { toServerLog: true, toClient: false, emittedAt: "LOG_SERVER_ONLY" };
    return { role, database, canLogin: true, canConnect: true, superuser: false, settings: [{ name: "pgaudit.log", value, from }], auditLines, ...extra };
}

function postureOf(effective: EffectivePosture[], pgauditLoaded = true): AuditPosture {
    return {
        connectedAs: { user: "avnadmin", database: "defaultdb", host: "h", port: 1, superuser: false },
        serverVersion: "15",
        pgauditLoaded,
        server: [],
        overrides: [],
        roles: [],
        databases: [],
        effective,
    };
}

const SERVER: SettingOrigin = { kind: "server", source: "configuration file" };

test("parseRequiredClasses: lists, repeats, case, all; refuses none, exclusions, unknown and empty items", () => {
    assert.deepEqual(parseRequiredClasses(["ddl,role"]), { classes: ["ddl", "role"] });
    assert.deepEqual(parseRequiredClasses(["DDL", " role ", "ddl"]), { classes: ["ddl", "role"] });
    assert.deepEqual(parseRequiredClasses(["all"]), { classes: ["read", "write", "function", "role", "ddl", "misc"] });
    for (const bad of [["none"], ["-ddl"], ["ddl,,role"], ["dll"], [""]]) {
        assert.ok("error" in parseRequiredClasses(bad), JSON.stringify(bad));
    }
});

test("a login role whose effective pgaudit.log lacks a class is named with its database, the override and the fix", () => {
    const result = checkRequirements(
        postureOf([
            pairOf("app", "shop", "none", { kind: "role", role: "app" }),
            pairOf("ok", "shop", "DDL , role", SERVER),
            pairOf("part", "shop", "ddl", { kind: "database", database: "shop" }),
        ]),
        ["ddl", "role"],
    );
    assert.equal(result.checked, 3);
    assert.deepEqual(
        result.violations.map((v) => [v.role, v.database, v.reason, v.lacks, v.from]),
        [
            ["app", "shop", "lacks-classes", ["ddl", "role"], { kind: "role", role: "app" }],
            ["part", "shop", "lacks-classes", ["role"], { kind: "database", database: "shop" }],
        ],
    );
    assert.equal(
        result.violations[0].message,
        `role "app" in database "shop": pgaudit.log = 'none' lacks ddl, role; set by role "app" (ALTER ROLE "app" SET pgaudit.log). ` +
            `Fix: ALTER ROLE "app" RESET pgaudit.log (or set it to include ddl, role)`,
    );
    assert.match(result.violations[1].message, /ALTER DATABASE "shop" RESET pgaudit\.log/);
});

test("order matters as pgaudit reads it: all,-ddl lacks ddl; -ddl,all does not", () => {
    const result = checkRequirements(postureOf([pairOf("a", "d", "all,-ddl", SERVER), pairOf("b", "d", "-ddl,all", SERVER)]), ["ddl"]);
    assert.deepEqual(
        result.violations.map((v) => v.role),
        ["a"],
    );
    assert.match(result.violations[0].message, /set by the server-wide value \(configuration file\)\. Fix: include ddl in the server-wide pgaudit\.log/);
});

test("roles without LOGIN or without CONNECT are reported but not required", () => {
    const none: SettingOrigin = { kind: "role", role: "x" };
    const result = checkRequirements(
        postureOf([pairOf("nologin", "d", "none", none, { canLogin: false }), pairOf("noconnect", "d", "none", none, { canConnect: false })]),
        ["ddl"],
    );
    assert.deepEqual(result, { classes: ["ddl"], checked: 0, notRequired: { noLogin: 1, noConnect: 1 }, violations: [], functionViolations: [] });
});

test("a value that cannot be seen, cannot be read, or pgaudit not loaded: never passes", () => {
    const hidden = checkRequirements(postureOf([pairOf("a", "d", null, { kind: "server", source: null })]), ["ddl"]);
    assert.equal(hidden.violations[0].reason, "value-hidden");
    const unreadable = checkRequirements(postureOf([pairOf("a", "d", "ddl,bogus", { kind: "role", role: "a" })]), ["ddl"]);
    assert.equal(unreadable.violations[0].reason, "value-unreadable");
    const notLoaded = checkRequirements(postureOf([pairOf("a", "d", "all", { kind: "role", role: "a" })], false), ["ddl"]);
    assert.equal(notLoaded.violations[0].reason, "pgaudit-not-loaded");
});

test("violation messages escape hostile names; the structured fields keep them exact", () => {
    const name = 'x"; DROP ROLE y; --\n\u001b[2J';
    const [v] = checkRequirements(postureOf([pairOf(name, "d", "none", { kind: "role", role: name })]), ["ddl"]).violations;
    assert.equal(v.role, name);
    assert.doesNotMatch(v.message, /\p{Cc}/u, "no control character");
    assert.match(v.message, /role "x\\"; DROP ROLE y; --\\n\\u\{1b\}\[2J" in database "d"/);
});
