// A large catalog (1,000 roles × 5 databases) is read in the same fixed number of queries as a
// tiny one: everything is fetched in a few set-based catalog queries and resolved in code.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import pg from "pg";
import { closeAllPools, connectionStats } from "../../provider/connection";
import { readAuditPosture } from "../../posture/readAuditPosture";
import { checkRequirements } from "../../posture/requirements";
import { startCluster } from "../../sandbox/cluster";

after(closeAllPools);

/** Counts statements sent through node-postgres clients (pooled ones included) while `work` runs. */
async function countQueries<T>(work: () => Promise<T>): Promise<{ result: T; queries: number; connections: number }> {
    // eslint-disable-next-line @typescript-eslint/unbound-method -- kept to be applied with each call's own client as `this`
    const original = pg.Client.prototype.query;
    const opened = connectionStats().opened;
    let queries = 0;
    pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
        queries++;
        return (original as (...a: unknown[]) => unknown).apply(this, args);
    } as typeof original;
    try {
        const result = await work();
        return { result, queries, connections: connectionStats().opened - opened };
    } finally {
        pg.Client.prototype.query = original;
    }
}

const ROLES = 1000;

test("1,000 roles × 5 databases: 9 statements on one connection plus one query per database for functions, the same as for an empty catalog", async () => {
    const cluster = await startCluster({ settings: { "pgaudit.log": "ddl,role" } });
    try {
        for (const db of ["d1", "d2", "d3"]) await cluster.sql(`CREATE DATABASE ${db} OWNER avnadmin`);
        const small = await countQueries(() => readAuditPosture(cluster.adminConnection()));
        await closeAllPools();

        await cluster.sql(`
            DO $$ BEGIN
              FOR i IN 1..${ROLES} LOOP
                EXECUTE format('CREATE ROLE %I LOGIN', 'r' || i);
                IF i % 3 = 0 THEN EXECUTE format('ALTER ROLE %I SET pgaudit.log = %L', 'r' || i, 'ddl,role,read'); END IF;
                IF i % 5 = 0 THEN EXECUTE format('ALTER ROLE %I IN DATABASE d1 SET pgaudit.log = %L', 'r' || i, 'none'); END IF;
                IF i % 7 = 0 THEN EXECUTE format('ALTER ROLE %I IN DATABASE d2 SET pgaudit.log_level = %L', 'r' || i, 'notice'); END IF;
              END LOOP;
            END $$`);
        await cluster.sql("ALTER DATABASE d3 SET pgaudit.log = 'all'");

        const large = await countQueries(() => readAuditPosture(cluster.adminConnection()));
        // BEGIN, session facts, pg_settings, roles, databases, overrides, no-CONNECT pairs, parameter grants, COMMIT;
        // then pg_proc once in each of the 5 databases (functions live per database), the connecting one on the same pool.
        assert.equal(large.queries, small.queries);
        assert.equal(large.queries, 9 + 5);
        assert.equal(large.connections, 5);

        const posture = large.result;
        const databases = ["d1", "d2", "d3", "postgres", "template1"];
        assert.deepEqual([...new Set(posture.effective.map((p) => p.database))].sort(), databases);
        assert.equal(posture.effective.length, (ROLES + 2) * databases.length); // + avnadmin, postgres
        assert.equal(posture.overrides.length, Math.floor(ROLES / 3) + Math.floor(ROLES / 5) + Math.floor(ROLES / 7) + 1);

        const log = (role: string, db: string, name = "pgaudit.log") =>
            posture.effective.find((p) => p.role === role && p.database === db)?.settings.find((s) => s.name === name);
        assert.deepEqual(log("r15", "d1"), { name: "pgaudit.log", value: "none", from: { kind: "role-in-database", role: "r15", database: "d1" } });
        assert.deepEqual(log("r15", "d3"), { name: "pgaudit.log", value: "ddl,role,read", from: { kind: "role", role: "r15" } });
        assert.deepEqual(log("r1", "d3"), { name: "pgaudit.log", value: "all", from: { kind: "database", database: "d3" } });
        assert.deepEqual(log("r7", "d2", "pgaudit.log_level"), {
            name: "pgaudit.log_level",
            value: "notice",
            from: { kind: "role-in-database", role: "r7", database: "d2" },
        });

        const requirement = checkRequirements(posture, ["ddl"]);
        assert.equal(requirement.violations.length, Math.floor(ROLES / 5)); // every 5th role is none in d1
        assert.ok(requirement.violations.every((v) => v.database === "d1" && v.from.kind === "role-in-database"));

        // A server-wide value masked by the connecting database costs one query in one other database.
        await cluster.sql("ALTER DATABASE postgres SET pgaudit.log = 'all'");
        await closeAllPools();
        const masked = await countQueries(() => readAuditPosture(cluster.adminConnection()));
        assert.equal(masked.queries, 9 + 1 + 5);
        assert.equal(masked.connections, 5); // the second database's pool serves its pg_proc query too
        assert.equal(masked.result.server.find((s) => s.name === "pgaudit.log")?.value, "ddl,role");

        // Spot checks against real login sessions.
        for (const [role, db] of [
            ["r15", "d1"],
            ["r15", "d3"],
            ["r1", "d3"],
            ["r7", "d2"],
        ]) {
            const client = await cluster.connectAs(role, db);
            try {
                const { rows } = await client.query<{ log: string; level: string }>(
                    "SELECT current_setting('pgaudit.log') AS log, current_setting('pgaudit.log_level') AS level",
                );
                assert.deepEqual(rows[0], { log: log(role, db)?.value, level: log(role, db, "pgaudit.log_level")?.value }, `${role} in ${db}`);
            } finally {
                await client.end();
            }
        }
    } finally {
        await cluster.stop();
    }
});
