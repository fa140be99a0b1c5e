import { test } from "node:test";
import assert from "node:assert/strict";
import pg from "pg";
import { defaultMajor, startCluster } from "../../sandbox/cluster";

test("throwaway cluster: pgaudit, avnadmin, audit lines, restart without pgaudit", async () => {
    const cluster = await startCluster();
    try {
        // The major asked for (PGAUDIT_TEST_PG in the test matrix, else 15) is the one that answers.
        assert.equal(cluster.major, defaultMajor());
        const version = await cluster.sql<{ v: number }>("SELECT current_setting('server_version_num')::int / 10000 AS v");
        assert.equal(version[0].v, cluster.major);
        const admin = new pg.Client({ connectionString: cluster.adminUri() });
        await admin.connect();
        try {
            // shared_preload_libraries is superuser-only (42501 for avnadmin without pg_read_all_settings),
            // but the pgaudit.* parameters it brings are visible to avnadmin and show the library is loaded.
            await assert.rejects(admin.query("SHOW shared_preload_libraries"), { code: "42501" });
            const audit = await admin.query<{ v: string }>("SELECT current_setting('pgaudit.log') AS v");
            assert.equal(audit.rows[0].v, "none");
            const su = await admin.query<{ rolsuper: boolean }>("SELECT rolsuper FROM pg_roles WHERE rolname = current_user");
            assert.equal(su.rows[0].rolsuper, false);
        } finally {
            await admin.end();
        }

        const spl = await cluster.sql<{ shared_preload_libraries: string }>("SHOW shared_preload_libraries");
        assert.match(spl[0].shared_preload_libraries, /pgaudit/);

        await cluster.sql("ALTER DATABASE postgres SET pgaudit.log = 'ddl'");
        // PostgreSQL 15 no longer lets PUBLIC create in schema public, and avnadmin does not own "postgres".
        await cluster.sql("GRANT CREATE ON SCHEMA public TO avnadmin");
        const offset = cluster.logOffset();
        const probe = await cluster.connectAs("avnadmin", "postgres", "probe1");
        try {
            await probe.query("CREATE TABLE t_probe(i int)");
        } finally {
            await probe.end();
        }
        const lines = await cluster.waitForAuditLines(offset, "probe1");
        assert.ok(
            lines.some((l) => l.includes("AUDIT: SESSION,1,1,DDL,CREATE TABLE")),
            `no audit line for probe1 in:\n${lines.join("\n")}`,
        );

        await cluster.restart({ pgaudit: false });
        const rows = await cluster.sql("SELECT name FROM pg_settings WHERE name LIKE 'pgaudit.%'");
        assert.deepEqual(rows, []);
    } finally {
        await cluster.stop();
    }
});
