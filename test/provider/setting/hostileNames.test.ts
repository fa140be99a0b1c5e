/**
 * Database and role names that would break SQL built from strings round-trip exactly through
 * every scope, and change nothing but their own scope's pgaudit entries.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { escapeIdentifier } from "pg";
import { closeAllPools } from "../../../provider";
import { pgAuditSettingProvider as provider } from "../../support/providers";
import { startCluster, type TestCluster } from "../../../sandbox/cluster";
import { catalogEntries, checked, showAs, wholeCatalog } from "../../support/scopes";

const NAMES = [
    `a'b`,
    `a"b`,
    `"; DROP ROLE avnadmin; --`,
    `'; DROP DATABASE postgres; --`,
    `semi;colon`,
    `with space`,
    ` leading and trailing `,
    `MixedCase`,
    `UPPER`,
    `ünïcödé`,
    `日本語の役割`,
    `emoji 🎉`,
    `back\\slash`,
    `$1`,
    `%s%n`,
    `dollar$$quote`,
    `new\nline`,
    `tab\tname`,
    `a.b`,
    `all`,
    `current_user`,
    `select`,
    `--comment`,
    `/* c */`,
    "x".repeat(63),
];

let cluster: TestCluster;
before(async () => {
    cluster = await startCluster();
    for (const name of NAMES) {
        await cluster.adminSql(`CREATE ROLE ${escapeIdentifier(name)} LOGIN`);
        await cluster.sql(`CREATE DATABASE ${escapeIdentifier(name)} OWNER avnadmin`);
        await cluster.sql(`ALTER ROLE ${escapeIdentifier(name)} SET search_path = 'keep'`);
    }
});
after(async () => {
    await closeAllPools();
    await cluster.stop();
});

test(`${NAMES.length} hostile names round-trip exactly through database, role and role-in-database scopes`, async () => {
    assert.ok(NAMES.length >= 20);
    const before = await wholeCatalog(cluster);
    const conn = cluster.adminUri();
    for (const name of NAMES) {
        const scopes = [{ database: name }, { role: name }, { role: name, database: name }];
        const made = [];
        for (const scope of scopes) {
            const created = await provider.create(await checked({ connection: conn, ...scope, settings: { log: ["ddl", "role"] } }));
            assert.equal(created.outs.database, scope.database);
            assert.equal(created.outs.role, scope.role);
            const read = await provider.read(created.id, created.outs);
            assert.equal(read.id, created.id);
            assert.equal(read.props!.database, scope.database, `read keeps the name ${JSON.stringify(name)}`);
            assert.equal(read.props!.role, scope.role);
            assert.deepEqual(read.props!.settings, { log: ["ddl", "role"] });
            made.push(created);
        }
        assert.deepEqual(await catalogEntries(cluster, { database: name }), ["pgaudit.log=ddl,role"]);
        assert.deepEqual(await catalogEntries(cluster, { role: name }), ["search_path=keep", "pgaudit.log=ddl,role"]);
        assert.deepEqual(await catalogEntries(cluster, { role: name, database: name }), ["pgaudit.log=ddl,role"]);
        assert.equal(await showAs(cluster, name, name), "ddl,role", `a new session of ${JSON.stringify(name)} sees it`);
        for (const m of made) await provider.delete(m.id, m.outs);
    }
    assert.equal(await wholeCatalog(cluster), before, "nothing else changed, and every entry was reset");
    const roles = await cluster.sql(`SELECT count(*)::int AS n FROM pg_roles WHERE rolname = ANY($1) OR rolname = 'avnadmin'`, [NAMES]);
    assert.equal(roles[0].n, NAMES.length + 1, "every role, avnadmin included, still exists");
    const dbs = await cluster.sql(`SELECT count(*)::int AS n FROM pg_database WHERE datname = ANY($1) OR datname = 'postgres'`, [NAMES]);
    assert.equal(dbs[0].n, NAMES.length + 1);
});

test("ids of hostile scopes are distinct and readable", async () => {
    const { scopeId } = await import("../../../provider");
    const ids = new Set(NAMES.flatMap((n) => [scopeId({ database: n }), scopeId({ role: n }), scopeId({ role: n, database: n })]));
    assert.equal(ids.size, NAMES.length * 3);
    assert.equal(scopeId({ role: "a/b", database: "c" }), "role/a%2Fb/database/c");
});
