/**
 * The pure core, without a server: SQL text, URI parsing, value encoding and planning.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { unknownValue } from "@pulumi/pulumi/runtime/rpc";
import { UNKNOWN } from "../../provider";
import { connectionSchema, parseConnectionUri } from "../../model/connectionSpec";
import { planScopeReset, planScopeStatements } from "../../provider/core/scopePlan";
import { decodeSetting, encodeSetting } from "../../model/settings";
import { decodeSettingsText } from "../../model/settingsText";
import { describeScope } from "../../model/scope";
import { resetParameterSql, setParameterSql } from "../../model/sql";

test("our unknown sentinel is the SDK's", () => {
    assert.equal(UNKNOWN, unknownValue);
});

test("SQL text quotes every name and value", () => {
    assert.equal(setParameterSql({ database: 'a"b' }, "pgaudit.log", "ddl,role"), `ALTER DATABASE "a""b" SET "pgaudit"."log" = 'ddl,role'`);
    assert.equal(setParameterSql({ role: "x'; --" }, "pgaudit.log", "it's"), `ALTER ROLE "x'; --" SET "pgaudit"."log" = 'it''s'`);
    assert.equal(setParameterSql({ role: "r", database: "d" }, "pgaudit.role", "a\\b"), `ALTER ROLE "r" IN DATABASE "d" SET "pgaudit"."role" =  E'a\\\\b'`);
    assert.equal(resetParameterSql({ role: "R" }, "pgaudit.log_rows"), `ALTER ROLE "R" RESET "pgaudit"."log_rows"`);
    assert.throws(() => setParameterSql({}, "pgaudit.log", "ddl"), /needs a database, a role, or both/);
    assert.equal(describeScope({ role: "a", database: "b" }), `role "a" in database "b"`);
});

test("URIs: percent-encoding, IPv6, defaults", () => {
    assert.deepEqual(parseConnectionUri("postgresql://avnadmin:p%40ss%2Fw%3Ard@pg.example.com:12345/defaultdb?sslmode=require"), {
        host: "pg.example.com",
        user: "avnadmin",
        password: "p@ss/w:rd",
        database: "defaultdb",
        port: 12345,
        sslMode: "require",
    });
    assert.deepEqual(parseConnectionUri("postgres://u@[::1]/my%20db"), { host: "::1", user: "u", database: "my db" });
    // libpq's split: the user information runs to the first @ before any /, so ? and # are the password's.
    assert.deepEqual(parseConnectionUri("postgresql://avnadmin:?s3cret@h/db"), { host: "h", user: "avnadmin", password: "?s3cret", database: "db" });
    assert.deepEqual(parseConnectionUri("postgresql://u:a#b?c@h:5/d?sslmode=verify-full"), {
        host: "h",
        user: "u",
        password: "a#b?c",
        port: 5,
        database: "d",
        sslMode: "verify-full",
    });
    assert.deepEqual(parseConnectionUri("postgresql://u:a%00b@h"), {
        error: "has a badly percent-encoded part; encode special characters of the user, password or database with %XX",
    });
    assert.match(String((parseConnectionUri("postgresql://u@h/d?pass=s3cret") as { error: string }).error), /not a libpq keyword \(not shown/);
    const resolved = connectionSchema.parse("postgresql://u:p@h");
    assert.deepEqual(resolved, { host: "h", port: 5432, user: "u", password: "p", database: "defaultdb", sslMode: "require" });
    assert.equal(connectionSchema.parse({ host: "h", user: "u", caCert: "PEM" }).sslMode, "verify-full");
});

test("values are written as PostgreSQL expects and read back from what it stored", () => {
    assert.equal(encodeSetting("log", ["all", "-misc"]), "all,-misc");
    assert.equal(encodeSetting("logCatalog", false), "off");
    assert.equal(encodeSetting("logLevel", "NOTICE"), "notice");
    assert.equal(encodeSetting("logMaxStringLength", -1), "-1");
    for (const [text, value] of [
        ["on", true],
        ["TRUE", true],
        ["yes", true],
        ["1", true],
        ["t", true],
        ["off", false],
        ["of", false],
        ["0", false],
        ["n", false],
    ] as const) {
        assert.equal(decodeSetting("logRows", text), value, text);
    }
    assert.equal(decodeSetting("logRows", "o"), "o", "an ambiguous prefix is kept as text");
    // Integers as PostgreSQL's parse_int reads them (the oracle is in connection.hardening.test.ts).
    assert.equal(decodeSetting("logParameterMaxSize", "010"), 8);
    assert.equal(decodeSetting("logMaxStringLength", "0x10"), 16);
    assert.equal(decodeSetting("logParameterMaxSize", "08"), "08", "not octal: kept as text, so it shows as drift");
    // The state's own text holds only the decimal it writes; a hand-edited 010 is refused, not misread.
    assert.deepEqual(decodeSettingsText("logParameterMaxSize=10"), { logParameterMaxSize: 10 });
    assert.throws(() => decodeSettingsText("logParameterMaxSize=010"), /not a pgaudit settings line/);
    assert.deepEqual(decodeSetting("log", ' READ ,  "ddl" '), ["read", "ddl"]);
    assert.equal(decodeSetting("logParameterMaxSize", "0x10"), 16);
});

test("a plan sets what differs and resets what is not declared, only for pgaudit keys", () => {
    const stored = new Map([
        ["pgaudit.log", "READ, ddl"],
        ["pgaudit.log_catalog", "off"],
        ["pgaudit.future_setting", "x"],
    ]);
    assert.deepEqual(planScopeStatements({ role: "r" }, stored, { log: ["ddl", "read"] }), [`ALTER ROLE "r" RESET "pgaudit"."log_catalog"`]);
    assert.deepEqual(planScopeStatements({ role: "r" }, stored, { log: ["ddl"], logCatalog: false }), [`ALTER ROLE "r" SET "pgaudit"."log" = 'ddl'`]);
    assert.deepEqual(planScopeReset({ database: "d" }, stored), [
        `ALTER DATABASE "d" RESET "pgaudit"."log"`,
        `ALTER DATABASE "d" RESET "pgaudit"."log_catalog"`,
    ]);
});
