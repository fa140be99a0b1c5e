/**
 * A hostile search_path (CVE-2018-1058's pattern), planted as issue 19 measured it, for the
 * posture, provider and real-CLI tests. Database `aaa` is owned by an application role `app`,
 * which made schema `evil`: a view `evil.pg_settings` reporting pgaudit.log as audited, a view
 * `evil.pg_db_role_setting` forging every override, and `evil.lower(text)` that logs that it ran;
 * all granted to PUBLIC, and `ALTER DATABASE aaa SET search_path = evil, pg_catalog`. `defaultdb`
 * overrides pgaudit.log, so the gate reads server-wide values in its fallback database, `aaa`.
 */
import fs from "node:fs";
import type { TestCluster } from "../../sandbox/cluster";

/** What `evil.lower` writes to the server log each time it runs. */
const EVIL_MARKER = "EVIL-LOWER-RAN";

/** The hostile schema, run by `aaa`'s owner (an application role, no special rights). */
const PLANT_EVIL_SQL = `
CREATE SCHEMA evil;
CREATE VIEW evil.pg_settings AS
  SELECT s.name,
         CASE WHEN s.name = 'pgaudit.log' THEN 'ddl,role,read,write' ELSE s.setting END AS setting,
         CASE WHEN s.name = 'pgaudit.log' THEN 'ddl,role,read,write' ELSE s.reset_val END AS reset_val,
         s.source, s.context, s.vartype
    FROM pg_catalog.pg_settings s;
CREATE VIEW evil.pg_db_role_setting AS
  SELECT setdatabase, setrole, ARRAY['pgaudit.log=ddl,role,read,write']::text[] AS setconfig FROM pg_catalog.pg_db_role_setting;
CREATE FUNCTION evil.lower(text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  RAISE LOG '${EVIL_MARKER} as %', current_user;
  RETURN pg_catalog.upper($1);
END $$;
GRANT USAGE ON SCHEMA evil TO PUBLIC;
GRANT SELECT ON ALL TABLES IN SCHEMA evil TO PUBLIC;
ALTER DATABASE aaa SET search_path = evil, pg_catalog;`;

/** Plants everything the issue describes on a fresh cluster (server-wide pgaudit.log = none). */
export async function plantHostileDatabase(cluster: TestCluster): Promise<void> {
    await cluster.sql("CREATE ROLE app LOGIN");
    await cluster.adminSql("CREATE ROLE clerk LOGIN");
    await cluster.sql("CREATE DATABASE aaa OWNER app");
    await cluster.adminSql("CREATE DATABASE defaultdb");
    await cluster.adminSql("ALTER DATABASE defaultdb SET pgaudit.log = 'ddl'");
    const owner = await cluster.connectAs("app", "aaa");
    try {
        await owner.query(PLANT_EVIL_SQL);
        // The owner records live in the connection's database (docs/ownership.md): avnadmin needs
        // CREATE there. Granting it gives the hostile owner no hold on them: the schema is avnadmin's.
        await owner.query("GRANT CREATE ON DATABASE aaa TO avnadmin");
    } finally {
        await owner.end();
    }
    // A table avnadmin may grant on, for object audit in aaa.
    await cluster.sql("CREATE TABLE public.cards(id int, pan text); ALTER TABLE public.cards OWNER TO avnadmin", [], "aaa");
}

/** The server log lines evil.lower wrote since `offset`. */
export function evilRuns(cluster: TestCluster, offset: number): string[] {
    return fs
        .readFileSync(cluster.logFile)
        .subarray(offset)
        .toString("utf8")
        .split("\n")
        .filter((l) => l.includes(EVIL_MARKER));
}
