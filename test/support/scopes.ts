/**
 * Test helpers that look at a scope the three ways a user could: the catalog row, a new
 * session's SHOW, and the AUDIT lines a new session writes to the server log.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { pgAuditSettingProvider } from "./providers";
import type { TestCluster } from "../../sandbox/cluster";

/** Runs check as the engine would and insists it passes; returns the inputs create/update get. */
export async function checked(news: Record<string, unknown>): Promise<Record<string, unknown>> {
    const result = await pgAuditSettingProvider.check({}, news);
    assert.deepEqual(result.failures ?? [], [], "check failed");
    return result.inputs!;
}

/**
 * The scope's entries in pg_db_role_setting (all of them, pgaudit or not), as "name=value".
 * `undefined` database or role stands for 0 ("any") in the catalog.
 */
export async function catalogEntries(cluster: TestCluster, scope: { database?: string; role?: string }): Promise<string[]> {
    const rows = await cluster.sql<{ setconfig: string[] }>(
        `SELECT s.setconfig FROM pg_db_role_setting s
          WHERE s.setdatabase = COALESCE((SELECT oid FROM pg_database WHERE datname = $1::text), CASE WHEN $1::text IS NULL THEN 0 END)
            AND s.setrole = COALESCE((SELECT oid FROM pg_roles WHERE rolname = $2::text), CASE WHEN $2::text IS NULL THEN 0 END)`,
        [scope.database ?? null, scope.role ?? null],
    );
    return rows[0]?.setconfig ?? [];
}

/** Every row of pg_db_role_setting, to show that nothing else changed. */
export async function wholeCatalog(cluster: TestCluster): Promise<string> {
    const rows = await cluster.sql(`SELECT setdatabase, setrole, setconfig FROM pg_db_role_setting ORDER BY 1, 2`);
    return JSON.stringify(rows);
}

/** What a NEW session of `role` in `database` sees for a parameter. */
export async function showAs(cluster: TestCluster, role: string, database: string, parameter = "pgaudit.log"): Promise<string> {
    const client = await cluster.connectAs(role, database);
    try {
        const { rows } = await client.query<{ v: string }>("SELECT current_setting($1) AS v", [parameter]);
        return rows[0].v;
    } finally {
        await client.end();
    }
}

/** Opens a NEW session as `role` in `database`, runs `statements`, and returns its AUDIT lines. */
export async function auditLinesOf(cluster: TestCluster, role: string, database: string, statements: string[]): Promise<string[]> {
    const app = `t${randomBytes(6).toString("hex")}`;
    const offset = cluster.logOffset();
    const client = await cluster.connectAs(role, database, app);
    try {
        for (const sql of statements) await client.query(sql);
    } finally {
        await client.end();
    }
    // A session that audits nothing writes nothing: wait briefly for lines, accept none.
    return cluster.waitForAuditLines(offset, app, 1, 500);
}

/**
 * The pgaudit entries of pg_db_role_setting, one line a scope, sorted:
 * `role app in database shop: pgaudit.log=read,write; pgaudit.log_relation=on`. Empty when none.
 */
export async function pgauditCatalog(cluster: TestCluster): Promise<string> {
    const rows = await cluster.sql<{ scope: string; entries: string[] }>(
        `SELECT CASE WHEN s.setrole = 0 THEN 'database ' || d.datname
                     WHEN s.setdatabase = 0 THEN 'role ' || r.rolname
                     ELSE 'role ' || r.rolname || ' in database ' || d.datname END AS scope,
                ARRAY(SELECT e FROM unnest(s.setconfig) e WHERE e LIKE 'pgaudit.%' ORDER BY e) AS entries
           FROM pg_db_role_setting s
           LEFT JOIN pg_database d ON d.oid = s.setdatabase
           LEFT JOIN pg_roles r ON r.oid = s.setrole`,
    );
    return rows
        .filter((r) => r.entries.length > 0)
        .map((r) => `${r.scope}: ${r.entries.join("; ")}`)
        .sort()
        .join("\n");
}
