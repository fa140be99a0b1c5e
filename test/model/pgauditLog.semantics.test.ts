/**
 * pgaudit.log equality, three ways: the table's expectation, the provider's diff, and what the
 * real pgaudit audits. For each value a session runs one statement of every class; two values
 * are equal for pgaudit exactly when they audit the same statements.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, test } from "node:test";
import pg from "pg";
import { diffInputs, pgAuditLogEquals, pgAuditLogClasses, normalizePgAuditLog } from "../../provider";
import { startCluster, type TestCluster } from "../../sandbox/cluster";

/** [a, b, equal for pgaudit?, why] */
const PAIRS: [string, string, boolean, string][] = [
    ["READ, ddl", "ddl,read", true, "order of plain classes does not matter"],
    ["read,ddl", "READ,DDL", true, "case-insensitive"],
    [" read ,  ddl ", "read,ddl", true, "whitespace around items is ignored"],
    ["all,-misc", "-misc,all", false, "left to right: a later all undoes the exclusion"],
    ["all,-misc", "read,write,function,role,ddl", true, "all minus misc (and misc_set) is the other five"],
    ["-misc,all", "all", true, "an exclusion before all is overwritten"],
    ["misc", "misc,misc_set", true, "misc includes misc_set"],
    ["misc", "misc_set", false, "misc_set alone is only SET"],
    ["misc,-misc_set", "misc_set", false, "misc without SET differs from SET alone"],
    ["all,-misc_set", "all", false, "excluding SET matters"],
    ["all", "read,write,function,role,ddl,misc", true, "all is every class"],
    ["none", "", true, "none is nothing"],
    ["none,ddl", "ddl", true, "none is a no-op token"],
    ["ddl,none", "ddl", true, "none does not clear what came before"],
    ["ddl,-all", "none", true, "-all clears everything before it"],
    ["ddl,-all,read", "read", true, "-all then read is read"],
    ["read,-read", "none", true, "an exclusion removes an earlier class"],
    ["-read,read", "read", true, "an earlier exclusion is overwritten"],
    ["read,read", "read", true, "duplicates change nothing"],
    ["ddl", "ddl,role", false, "role is its own class, not part of ddl"],
    ["write", "read,write", false, "write does not imply read"],
    ["function", "none", false, "function is audited"],
    ["all,-read,-write", "function,role,ddl,misc", true, "several exclusions"],
    ["role,ddl", "ddl,role,-misc", true, "excluding a class never added changes nothing"],
];

let cluster: TestCluster;
const DB = "semantics";

before(async () => {
    cluster = await startCluster();
    await cluster.sql(`CREATE DATABASE ${DB}`);
    await cluster.sql(`CREATE TABLE t(i int)`, [], DB);
    await cluster.sql(`CREATE ROLE probe_grantee`);
});

after(async () => {
    await cluster.stop();
});

/** One statement per class; each tagged by its text so its AUDIT lines can be found. */
const STATEMENTS: [string, string][] = [
    ["read", "SELECT i AS read_probe FROM t"],
    ["write", "INSERT INTO t VALUES (1)"],
    ["function", "DO $$BEGIN NULL; END$$"],
    ["role", "GRANT SELECT ON t TO probe_grantee"],
    ["ddl", "CREATE TEMP TABLE ddl_probe(i int)"],
    ["misc", "VACUUM t"],
    ["misc_set", "SET work_mem = '8MB'"],
];

/** Which of STATEMENTS the real pgaudit audits in a session that starts with pgaudit.log = value. */
const measured = new Map<string, string[]>();
async function auditedBy(value: string): Promise<string[]> {
    const known = measured.get(value);
    if (known) return known;
    const app = `s${randomBytes(6).toString("hex")}`;
    const offset = cluster.logOffset();
    // A startup option, not SET: a SET of pgaudit.log would itself be a statement to audit.
    const client = new pg.Client({
        host: cluster.socketDir,
        port: cluster.port,
        user: "postgres",
        database: DB,
        application_name: app,
        options: `-c pgaudit.log=${value.replace(/\\/g, "\\\\").replace(/ /g, "\\ ")}`,
    });
    await client.connect();
    try {
        const { rows } = await client.query<{ v: string }>("SELECT current_setting('pgaudit.log') AS v");
        assert.equal(rows[0].v, value, "the server took the value as written");
        for (const [, sql] of STATEMENTS) await client.query(sql);
    } finally {
        await client.end();
    }
    const lines = await cluster.waitForAuditLines(offset, app, 1, 300);
    const audited = STATEMENTS.filter(([, sql]) => lines.some((l) => l.includes(sql))).map(([cls]) => cls);
    measured.set(value, audited);
    return audited;
}

test(`${PAIRS.length} pairs: table, pgAuditLogEquals, provider diff and the real pgaudit agree`, async () => {
    assert.ok(PAIRS.length >= 20);
    for (const [a, b, equal, why] of PAIRS) {
        assert.equal(pgAuditLogEquals(a, b), equal, `pgAuditLogEquals(${a} | ${b}): ${why}`);
        const olds = { database: "d", settings: { log: normalizePgAuditLog(a) } };
        const news = { database: "d", settings: { log: normalizePgAuditLog(b) } };
        assert.equal(diffInputs(olds, news).changes, !equal, `diff(${a} | ${b}): ${why}`);
        const [auditA, auditB] = [await auditedBy(a), await auditedBy(b)];
        assert.equal(
            JSON.stringify(auditA) === JSON.stringify(auditB),
            equal,
            `pgaudit audits [${auditA.join(",")}] for "${a}" and [${auditB.join(",")}] for "${b}": ${why}`,
        );
    }
});

test("the classes we report for a value are the statements pgaudit really audits", async () => {
    for (const value of new Set(PAIRS.flatMap(([a, b]) => [a, b]))) {
        const reported = pgAuditLogClasses(value);
        // "misc" covers VACUUM and SET; misc_set only SET.
        const expected = STATEMENTS.map(([cls]) => cls).filter((cls) => reported.includes(cls as never));
        assert.deepEqual(await auditedBy(value), expected, `value "${value}"`);
    }
});
