// Pure tests of what reaches a terminal: hostile names are escaped, never interpreted.
import { test } from "node:test";
import assert from "node:assert/strict";
import { displayName, quoteName, safeText } from "../../posture/displayText";
import type { AuditPosture } from "../../posture/model";
import { renderPostureReport } from "../../posture/renderReport";
import { checkRequirements } from "../../posture/requirements";
import { renderTable } from "../../posture/table";

/** Anything a terminal acts on: C0/C1 controls, DEL, bidi and zero-width formats, line separators. */
const UNSAFE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u;

const HOSTILE = [
    'x"; DROP ROLE y; --',
    "two\nlines",
    "\u001b[31mred\u001b[0m",
    "\u001b]8;;http://evil\u0007link",
    "bidi\u202eevil",
    "c1\u009bcontrol",
    "del\u007f",
    "tab\there",
    "quote'back\\slash",
    "ünïcødé ✓ 日本",
];

test("safeText escapes what a terminal would act on and keeps other text", () => {
    assert.equal(safeText("a\nb\tc\rd"), "a\\nb\\tc\\rd");
    assert.equal(safeText("\u001b[31m"), "\\u{1b}[31m");
    assert.equal(safeText("\u202e\u200b\u2028\u009b\u007f"), "\\u{202e}\\u{200b}\\u{2028}\\u{9b}\\u{7f}");
    assert.equal(safeText("ünïcødé ✓ 日本"), "ünïcødé ✓ 日本");
    for (const name of HOSTILE) assert.doesNotMatch(safeText(name), UNSAFE, JSON.stringify(name));
});

test("displayName: plain names bare, others quoted so that distinct names never print alike", () => {
    assert.equal(displayName("app_2"), "app_2");
    assert.equal(displayName("ünïcødé"), "ünïcødé");
    assert.equal(displayName("my db"), '"my db"');
    assert.equal(displayName('a"b'), '"a\\"b"');
    // A name that contains a backslash-n and one that contains a newline stay distinct.
    assert.notEqual(quoteName("a\\nb"), quoteName("a\nb"));
    const shown = HOSTILE.map(displayName);
    assert.equal(new Set(shown).size, HOSTILE.length);
});

test("renderTable: one line per row whatever the cells hold, columns aligned", () => {
    const lines = renderTable(
        ["A", "B"],
        [
            ["two\nlines", "x"],
            ["short", "y"],
        ],
    );
    assert.deepEqual(lines, ["  A            B", "  two\\nlines   x", "  short        y"]);
});

test("the report prints hostile role and database names safely, one table row per pair", () => {
    const effective = HOSTILE.flatMap((role) =>
        HOSTILE.slice(0, 2).map((database) => ({
            role,
            database,
            canLogin: true,
            canConnect: true,
            superuser: false,
            settings: [{ name: "pgaudit.log", value: "none", from: { kind: "role" as const, role } }],
            auditLines: { toServerLog: true, toClient: false, emittedAt: "LOG_SERVER_ONLY" },
        })),
    );
    const posture: AuditPosture = {
        connectedAs: { user: "avnadmin", database: "defaultdb", host: "h", port: 1, superuser: false },
        serverVersion: "15.20",
        pgauditLoaded: true,
        server: [{ name: "pgaudit.log", value: "ddl", source: "configuration file", readIn: "defaultdb" }],
        overrides: HOSTILE.map((role) => ({ scope: { kind: "role" as const, role }, name: "pgaudit.log", value: "none\n\u001b[2J" })),
        roles: [],
        databases: [],
        effective,
    };
    const requirement = checkRequirements(posture, ["ddl"]);
    const text = renderPostureReport(posture, requirement);
    for (const line of text.split("\n")) assert.doesNotMatch(line, UNSAFE, JSON.stringify(line));
    const table = text.slice(text.indexOf("Effective pgaudit.log"), text.indexOf("Requirement:")).trim().split("\n");
    assert.equal(table.length, 2 + effective.length); // title, header, one line per pair
    assert.equal(table.filter((l) => l.startsWith("  FAIL ")).length, effective.length);
    const verdicts = text
        .slice(text.indexOf("Requirement:"))
        .split("\n")
        .filter((l) => l.startsWith("  FAIL "));
    assert.equal(verdicts.length, effective.length);
});
