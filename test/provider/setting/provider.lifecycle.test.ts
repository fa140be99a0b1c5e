/**
 * PgAuditSetting's provider against a real PostgreSQL 15 + pgaudit, connected as the
 * non-superuser avnadmin, for the three scopes. Each state is checked three ways: the catalog
 * row, a new session's SHOW, and the AUDIT lines a new session writes.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { closeAllPools } from "../../../provider";
import { pgAuditSettingProvider as provider } from "../../support/providers";
import { startCluster, type TestCluster } from "../../../sandbox/cluster";
import { auditLinesOf, catalogEntries, checked, showAs, wholeCatalog } from "../../support/scopes";

let cluster: TestCluster;

before(async () => {
    cluster = await startCluster();
    // The Aiven shape: databases created by avnadmin (aiven.PgDatabase), application roles without special rights.
    await cluster.sql(`CREATE DATABASE shop OWNER avnadmin`);
    await cluster.sql(`CREATE DATABASE other OWNER avnadmin`);
    for (const role of ["app_rw", "svc", "plain", "gone_role"]) await cluster.adminSql(`CREATE ROLE ${role} LOGIN`);
    for (const db of ["shop", "other"]) {
        await cluster.sql(`GRANT ALL ON SCHEMA public TO PUBLIC`, [], db);
        await cluster.sql(`CREATE TABLE public.orders(id int)`, [], db);
        await cluster.sql(`GRANT ALL ON public.orders TO PUBLIC`, [], db);
    }
    // Settings that are not pgaudit's must survive everything the provider does.
    await cluster.sql(`ALTER DATABASE shop SET search_path = 'public'`);
    await cluster.sql(`ALTER DATABASE shop SET work_mem = '8MB'`);
    await cluster.sql(`ALTER ROLE svc SET statement_timeout = '5s'`);
    await cluster.sql(`ALTER ROLE app_rw IN DATABASE shop SET work_mem = '16MB'`);
});

after(async () => {
    await closeAllPools();
    await cluster.stop();
});

const DDL = "CREATE TABLE t_$(i int)";
/** Statements whose audit class is known: one DDL (a fresh table each time), one WRITE, one READ. */
function statements(): string[] {
    return [DDL.replace("$", Math.random().toString(36).slice(2, 8)), "INSERT INTO orders VALUES (1)", "SELECT count(*) FROM orders"];
}
const classesIn = (lines: string[]) => [...new Set(lines.map((l) => l.split("AUDIT: SESSION,")[1]?.split(",")[2]))].sort();

describe("database scope", () => {
    let id: string;
    let outs: Record<string, unknown>;

    test("create sets pgaudit.log on the database and nothing else", async () => {
        const inputs = await checked({ connection: cluster.adminUri(), database: "shop", settings: { log: "ddl, ROLE" } });
        const created = await provider.create(inputs);
        id = created.id;
        outs = created.outs;
        assert.equal(id, "database/shop");
        assert.deepEqual(outs.settings, { log: ["ddl", "role"] });
        assert.deepEqual(await catalogEntries(cluster, { database: "shop" }), ["search_path=public", "work_mem=8MB", "pgaudit.log=ddl,role"]);
        assert.equal(await showAs(cluster, "plain", "shop"), "ddl,role");
        assert.equal(await showAs(cluster, "plain", "other"), "none", "another database is not affected");
        assert.deepEqual(classesIn(await auditLinesOf(cluster, "plain", "shop", statements())), ["DDL"]);
    });

    test("read returns the settings found, and inputs for the next diff", async () => {
        const read = await provider.read(id, outs);
        assert.equal(read.id, id);
        assert.deepEqual(read.props!.settings, { log: ["ddl", "role"] });
        assert.deepEqual(read.inputs!.settings, { log: ["ddl", "role"] });
        assert.equal(read.inputs!.scope, undefined, "outputs-only properties are not inputs");
    });

    test("update sets what changed and resets what was removed", async () => {
        const news = await checked({ connection: cluster.adminUri(), database: "shop", settings: { log: ["write"], logCatalog: false } });
        const diff = await provider.diff(id, outs, news);
        assert.deepEqual(diff, { changes: true, replaces: [] });
        outs = (await provider.update(id, outs, news)).outs;
        assert.deepEqual(await catalogEntries(cluster, { database: "shop" }), [
            "search_path=public",
            "work_mem=8MB",
            "pgaudit.log=write",
            "pgaudit.log_catalog=off",
        ]);
        assert.equal(await showAs(cluster, "plain", "shop", "pgaudit.log_catalog"), "off");
        assert.deepEqual(classesIn(await auditLinesOf(cluster, "plain", "shop", statements())), ["WRITE"]);

        const fewer = await checked({ connection: cluster.adminUri(), database: "shop", settings: { log: ["write"] } });
        outs = (await provider.update(id, outs, fewer)).outs;
        assert.deepEqual(await catalogEntries(cluster, { database: "shop" }), ["search_path=public", "work_mem=8MB", "pgaudit.log=write"]);
        assert.equal(await showAs(cluster, "plain", "shop", "pgaudit.log_catalog"), "on", "back to the server default");
    });

    test("delete resets pgaudit entries only, and a second delete is a no-op", async () => {
        await provider.delete(id, outs);
        assert.deepEqual(await catalogEntries(cluster, { database: "shop" }), ["search_path=public", "work_mem=8MB"]);
        assert.equal(await showAs(cluster, "plain", "shop"), "none");
        assert.deepEqual(await auditLinesOf(cluster, "plain", "shop", statements()), []);
        await provider.delete(id, outs);
        assert.deepEqual(await catalogEntries(cluster, { database: "shop" }), ["search_path=public", "work_mem=8MB"]);
    });
});

describe("role scope", () => {
    let id: string;
    let outs: Record<string, unknown>;

    test("create, read, update, delete; the role's other settings survive", async () => {
        const inputs = await checked({ connection: cluster.adminConnection(), role: "svc", settings: { log: ["read", "write"], logRelation: true } });
        const created = await provider.create(inputs);
        id = created.id;
        outs = created.outs;
        assert.equal(id, "role/svc");
        assert.deepEqual(await catalogEntries(cluster, { role: "svc" }), ["statement_timeout=5s", "pgaudit.log=read,write", "pgaudit.log_relation=on"]);
        assert.equal(await showAs(cluster, "svc", "shop"), "read,write");
        assert.equal(await showAs(cluster, "svc", "other"), "read,write", "a role setting applies in every database");
        assert.deepEqual(classesIn(await auditLinesOf(cluster, "svc", "other", statements())), ["READ", "WRITE"]);

        assert.deepEqual((await provider.read(id, outs)).props!.settings, { log: ["read", "write"], logRelation: true });

        const news = await checked({ connection: cluster.adminConnection(), role: "svc", settings: { log: "none" } });
        outs = (await provider.update(id, outs, news)).outs;
        assert.deepEqual(await catalogEntries(cluster, { role: "svc" }), ["statement_timeout=5s", "pgaudit.log=none"]);
        assert.equal(await showAs(cluster, "svc", "shop"), "none");
        assert.deepEqual(await auditLinesOf(cluster, "svc", "other", statements()), []);

        await provider.delete(id, outs);
        assert.deepEqual(await catalogEntries(cluster, { role: "svc" }), ["statement_timeout=5s"]);
    });
});

describe("role-in-database scope", () => {
    test("create, read, update, delete touch only that role in that database", async () => {
        const conn = cluster.adminUri("other");
        const inputs = await checked({ connection: conn, role: "app_rw", database: "shop", settings: { log: ["ddl"], logLevel: "NOTICE" } });
        const created = await provider.create(inputs);
        let outs = created.outs;
        assert.equal(created.id, "role/app_rw/database/shop");
        assert.deepEqual(outs.settings, { log: ["ddl"], logLevel: "notice" });
        assert.deepEqual(await catalogEntries(cluster, { role: "app_rw", database: "shop" }), ["work_mem=16MB", "pgaudit.log=ddl", "pgaudit.log_level=notice"]);
        assert.equal(await showAs(cluster, "app_rw", "shop"), "ddl");
        assert.equal(await showAs(cluster, "app_rw", "other"), "none", "the role elsewhere is not affected");
        assert.equal(await showAs(cluster, "plain", "shop"), "none", "other roles in the database are not affected");
        const lines = await auditLinesOf(cluster, "app_rw", "shop", statements());
        assert.deepEqual(classesIn(lines), ["DDL"]);
        assert.equal(await showAs(cluster, "app_rw", "shop", "pgaudit.log_level"), "notice");
        // pgaudit uses log_level only together with log_client; the server log keeps LOG.
        assert.ok(
            lines.every((l) => l.includes("LOG:  AUDIT:")),
            lines.join("\n"),
        );

        assert.deepEqual((await provider.read(created.id, outs)).props!.settings, { log: ["ddl"], logLevel: "notice" });
        const news = await checked({ connection: conn, role: "app_rw", database: "shop", settings: { log: ["ddl", "read"], logLevel: "notice" } });
        outs = (await provider.update(created.id, outs, news)).outs;
        assert.deepEqual(await catalogEntries(cluster, { role: "app_rw", database: "shop" }), [
            "work_mem=16MB",
            "pgaudit.log=ddl,read",
            "pgaudit.log_level=notice",
        ]);
        assert.deepEqual(classesIn(await auditLinesOf(cluster, "app_rw", "shop", statements())), ["DDL", "READ"]);

        await provider.delete(created.id, outs);
        assert.deepEqual(await catalogEntries(cluster, { role: "app_rw", database: "shop" }), ["work_mem=16MB"]);
        assert.equal(await showAs(cluster, "app_rw", "shop"), "none");
    });
});

describe("precedence, as a new session sees it", () => {
    test("role-in-database beats role beats database; a role at none is silent where its database says ddl", async () => {
        const conn = cluster.adminUri();
        const made = [
            await provider.create(await checked({ connection: conn, database: "shop", settings: { log: ["ddl"] } })),
            await provider.create(await checked({ connection: conn, role: "app_rw", settings: { log: ["write"] } })),
            await provider.create(await checked({ connection: conn, role: "app_rw", database: "shop", settings: { log: ["read"] } })),
            await provider.create(await checked({ connection: conn, role: "svc", settings: { log: ["none"] } })),
        ];
        try {
            assert.deepEqual(classesIn(await auditLinesOf(cluster, "plain", "shop", statements())), ["DDL"], "database");
            assert.deepEqual(classesIn(await auditLinesOf(cluster, "app_rw", "other", statements())), ["WRITE"], "role beats server default");
            assert.deepEqual(classesIn(await auditLinesOf(cluster, "app_rw", "shop", statements())), ["READ"], "role-in-database beats role and database");
            assert.deepEqual(await auditLinesOf(cluster, "svc", "shop", statements()), [], "role none beats database ddl");
            // Not inherited through membership, and SET ROLE does not apply them.
            await cluster.sql(`GRANT app_rw TO plain`);
            assert.equal(await showAs(cluster, "plain", "other"), "none", "a member of app_rw does not get its setting");
            const session = await cluster.connectAs("plain", "other");
            try {
                await session.query("SET ROLE app_rw");
                const { rows } = await session.query("SELECT current_user AS who, current_setting('pgaudit.log') AS log");
                assert.deepEqual(rows[0], { who: "app_rw", log: "none" });
            } finally {
                await session.end();
                await cluster.sql(`REVOKE app_rw FROM plain`);
            }
        } finally {
            for (const m of made.reverse()) await provider.delete(m.id, m.outs);
        }
        assert.deepEqual(await catalogEntries(cluster, { database: "shop" }), ["search_path=public", "work_mem=8MB"]);
    });
});

describe("drift, adoption and faults", () => {
    test("drift typed by hand is found by read, and update puts the declaration back", async () => {
        const conn = cluster.adminUri();
        const inputs = await checked({ connection: conn, role: "plain", settings: { log: ["ddl", "role"] } });
        const { id, outs } = await provider.create(inputs);
        await cluster.sql(`ALTER ROLE plain SET pgaudit.log = 'none'`);
        await cluster.sql(`ALTER ROLE plain SET pgaudit.log_client = on`);
        const read = await provider.read(id, outs);
        assert.deepEqual(read.props!.settings, { log: ["none"], logClient: true });
        const diff = await provider.diff(id, read.props!, inputs);
        assert.equal(diff.changes, true, "the next preview shows the drift");
        const fixed = (await provider.update(id, read.props!, inputs)).outs;
        assert.deepEqual(await catalogEntries(cluster, { role: "plain" }), ["pgaudit.log=ddl,role"]);
        assert.equal((await provider.diff(id, fixed, inputs)).changes, false);

        // Semantically equal drift ('ROLE , ddl') is no change.
        await cluster.sql(`ALTER ROLE plain SET pgaudit.log = 'ROLE , ddl'`);
        const same = await provider.read(id, fixed);
        assert.equal((await provider.diff(id, same.props!, inputs)).changes, false);
        await provider.delete(id, same.props!);
        assert.deepEqual(await catalogEntries(cluster, { role: "plain" }), []);
    });

    test("a dropped role makes read report the resource gone, and delete succeed", async () => {
        const inputs = await checked({ connection: cluster.adminUri(), role: "gone_role", settings: { log: ["all"] } });
        const { id, outs } = await provider.create(inputs);
        await cluster.sql(`DROP ROLE gone_role`);
        const read = await provider.read(id, outs);
        assert.equal(read.id, undefined);
        await provider.delete(id, outs);
    });

    test("a dropped database makes read report the resource gone", async () => {
        await cluster.sql(`CREATE DATABASE brief OWNER avnadmin`);
        const inputs = await checked({ connection: cluster.adminUri(), role: "plain", database: "brief", settings: { log: ["all"] } });
        const { id, outs } = await provider.create(inputs);
        await cluster.sql(`DROP DATABASE brief`);
        assert.equal((await provider.read(id, outs)).id, undefined);
        await provider.delete(id, outs);
    });

    test("create refuses a scope that holds other pgaudit values unless adopt is set", async () => {
        await cluster.sql(`ALTER ROLE app_rw SET pgaudit.log = 'read'`);
        await cluster.sql(`ALTER ROLE app_rw SET search_path = 'public'`);
        const declared = { connection: cluster.adminUri(), role: "app_rw", settings: { log: ["ddl"] } };
        await assert.rejects(provider.create(await checked(declared)), (err: Error) => {
            assert.match(err.message, /role "app_rw" already holds pgaudit\.log = 'read'/);
            assert.match(err.message, /adopt: true/);
            return true;
        });
        assert.deepEqual(await catalogEntries(cluster, { role: "app_rw" }), ["pgaudit.log=read", "search_path=public"], "nothing was written");

        // The same value (by meaning) is not a conflict: a rerun after lost state converges.
        const same = await provider.create(await checked({ ...declared, settings: { log: "READ" } }));
        assert.deepEqual(await catalogEntries(cluster, { role: "app_rw" }), ["pgaudit.log=read", "search_path=public"]);

        const adopted = await provider.create(await checked({ ...declared, adopt: true }));
        assert.deepEqual(await catalogEntries(cluster, { role: "app_rw" }), ["pgaudit.log=ddl", "search_path=public"]);
        await provider.delete(adopted.id, adopted.outs);
        await provider.delete(same.id, same.outs);
        assert.deepEqual(await catalogEntries(cluster, { role: "app_rw" }), ["search_path=public"]);
    });

    test("create and update are idempotent: a rerun sends nothing new and converges", async () => {
        const inputs = await checked({ connection: cluster.adminUri(), role: "plain", database: "other", settings: { log: ["write"] } });
        const first = await provider.create(inputs);
        const before = await wholeCatalog(cluster);
        const again = await provider.create(inputs);
        // The engine keeps the rerun's state; the first create's owner id no longer holds the scope.
        await provider.update(again.id, again.outs, inputs);
        await assert.rejects(provider.update(first.id, first.outs, inputs), /no longer held by this resource/);
        assert.equal(await wholeCatalog(cluster), before);
        await provider.delete(again.id, again.outs);
    });

    test("a create that fails part-way leaves no half-written scope", async () => {
        // avnadmin may set pgaudit.log but (here) not pgaudit.log_rows: the second statement fails.
        await cluster.sql(`REVOKE SET ON PARAMETER pgaudit.log_rows FROM avnadmin`);
        try {
            const inputs = await checked({ connection: cluster.adminUri(), role: "plain", settings: { log: ["ddl"], logRows: true } });
            await assert.rejects(provider.create(inputs), (err: Error & { sqlState?: string }) => {
                assert.equal(err.sqlState, "42501");
                assert.match(err.message, /lacks GRANT SET ON PARAMETER pgaudit\.log_rows/);
                return true;
            });
            assert.deepEqual(await catalogEntries(cluster, { role: "plain" }), [], "pgaudit.log was rolled back too");
        } finally {
            await cluster.sql(`GRANT SET ON PARAMETER pgaudit.log_rows TO avnadmin`);
        }
    });

    test("a setting this server's pgaudit does not know fails before anything is written, naming it", async () => {
        const before = await wholeCatalog(cluster);
        const inputs = await checked({
            connection: cluster.adminUri(),
            role: "plain",
            settings: { log: ["ddl"], logParameterMaxSize: 1024, logMaxStringLength: 100 },
        });
        // pgaudit 16+ has log_parameter_max_size (adminOption.test.ts writes it); no Debian build has Aiven's own parameters.
        const named =
            cluster.major >= 16
                ? /does not know settings\.logMaxStringLength \(pgaudit\.log_max_string_length, which needs Aiven's pgaudit build\): remove/
                : /settings\.logParameterMaxSize \(pgaudit\.log_parameter_max_size, which needs pgaudit 16\+.*settings\.logMaxStringLength/;
        await assert.rejects(provider.create(inputs), named);
        assert.equal(await wholeCatalog(cluster), before);
    });

    test("a scope whose role does not exist fails with the name", async () => {
        const inputs = await checked({ connection: cluster.adminUri(), role: "App_RW", settings: { log: ["ddl"] } });
        await assert.rejects(provider.create(inputs), /role "App_RW" does not exist; create it first \(or fix the name; names are case-sensitive\)/);
    });

    test("a connection change is an update, and delete then uses the new credentials", async () => {
        await cluster.sql(`CREATE ROLE rotator LOGIN CREATEROLE PASSWORD 'first-pass'`);
        await cluster.sql(`GRANT SET ON PARAMETER pgaudit.log TO rotator`);
        await cluster.sql(`GRANT plain TO rotator WITH ADMIN OPTION`); // 16+: altering a role needs ADMIN OPTION on it
        // avnadmin's owner records (created by an earlier test): another admin role needs a grant to share them.
        await cluster.adminSql(
            `GRANT USAGE ON SCHEMA pulumi_aiven_pgaudit TO rotator; GRANT SELECT, INSERT, UPDATE, DELETE ON pulumi_aiven_pgaudit.scope_owner TO rotator`,
        );
        const conn = (password: string) => ({ ...cluster.adminConnection(), user: "rotator", password });
        const first = await checked({ connection: conn("first-pass"), role: "plain", settings: { log: ["ddl"] } });
        const created = await provider.create(first);
        await cluster.sql(`ALTER ROLE rotator PASSWORD 'second-pass'`);
        const second = await checked({ connection: conn("second-pass"), role: "plain", settings: { log: ["ddl"] } });
        assert.deepEqual(await provider.diff(created.id, created.outs, second), { changes: true, replaces: [] });
        const updated = await provider.update(created.id, created.outs, second);
        await closeAllPools(); // no pooled session with the old password may help delete along
        await provider.delete(created.id, updated.outs);
        assert.deepEqual(await catalogEntries(cluster, { role: "plain" }), []);
    });
});
