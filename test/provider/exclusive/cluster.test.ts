// Exclusive mode against PostgreSQL 15 + pgaudit as the non-superuser avnadmin, driving the
// provider implementation in the engine's order (check → create; read → diff → update; delete).
// It is called directly: the serialized provider reaches it through the package's
// `pulumi-aiven-pgaudit/provider` entry, which exposes it once provider/index.ts exports it.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import pg from "pg";
import { closeAllPools } from "../../../provider/connection";
import { pgAuditExclusiveProvider as provider } from "../../support/providers";
import { runPostureCli, EXIT_OK, EXIT_REQUIREMENT_VIOLATED } from "../../../posture/cli";
import { startCluster, type TestCluster } from "../../../sandbox/cluster";

after(closeAllPools);

async function withCluster(work: (cluster: TestCluster) => Promise<void>): Promise<void> {
    const cluster = await startCluster({ settings: { "pgaudit.log": "ddl,role" } });
    try {
        await work(cluster);
    } finally {
        await cluster.stop();
    }
}

const sql = (strings: TemplateStringsArray, ...names: string[]) =>
    strings.reduce((acc, s, i) => acc + s + (i < names.length ? pg.escapeIdentifier(names[i]) : ""), "");

/** check, then create, as the engine does at `pulumi up`. */
async function createExclusive(props: Record<string, unknown>) {
    const checked = await provider.check({}, props);
    assert.deepEqual(checked.failures ?? [], []);
    const created = await provider.create(checked.inputs!);
    return { inputs: checked.inputs!, id: created.id, outs: created.outs };
}

/** Every pg_db_role_setting entry by "database/role" names ("" = any), sorted. */
async function storedSettings(cluster: TestCluster): Promise<Record<string, string[]>> {
    const rows = await cluster.sql<{ db: string; role: string; setconfig: string[] }>(`
        SELECT COALESCE(d.datname, '') AS db, COALESCE(r.rolname, '') AS role, s.setconfig
          FROM pg_db_role_setting s LEFT JOIN pg_database d ON d.oid = s.setdatabase LEFT JOIN pg_roles r ON r.oid = s.setrole`);
    return Object.fromEntries(rows.map((r): [string, string[]] => [`${r.db}/${r.role}`, [...r.setconfig].sort()]).sort());
}

async function requireDdlRole(cluster: TestCluster): Promise<{ code: number; out: string }> {
    let out = "";
    const code = await runPostureCli(
        ["--connection", cluster.adminUri(), "--require", "ddl,role"],
        {},
        { stdout: (t) => (out += t), stderr: (t) => (out += t), readFile: () => "" },
    );
    return { code, out };
}

test("a role set to none by hand shows at refresh and is reset at up; declared scopes and other parameters stay", async () => {
    await withCluster(async (cluster) => {
        await cluster.sql("CREATE DATABASE shop OWNER avnadmin");
        await cluster.adminSql("CREATE ROLE app LOGIN");
        await cluster.adminSql("CREATE ROLE auditor LOGIN");
        // What the stack declares (its PgAuditSetting resources).
        await cluster.sql("ALTER DATABASE shop SET pgaudit.log = 'ddl,role,write'");
        await cluster.sql("ALTER ROLE auditor IN DATABASE shop SET pgaudit.log = 'all'");
        const declaredScopes = [{ database: "shop" }, { role: "auditor", database: "shop" }];
        const { id, inputs, outs } = await createExclusive({ connection: cluster.adminConnection(), declaredScopes });
        assert.deepEqual(outs.undeclared, []);

        // By hand, later.
        await cluster.sql("ALTER ROLE app SET pgaudit.log = 'none'");
        await cluster.sql("ALTER ROLE app SET work_mem = '8MB'");
        await cluster.sql("ALTER ROLE app IN DATABASE shop SET pgaudit.log_level = 'debug1'");
        await cluster.sql("ALTER DATABASE postgres SET work_mem = '16MB'");
        const caught = await requireDdlRole(cluster);
        assert.equal(caught.code, EXIT_REQUIREMENT_VIOLATED);
        assert.match(caught.out, /FAIL role "app" in database "shop": pgaudit\.log = 'none' lacks ddl, role; set by role "app"/);

        // pulumi refresh: the drift is listed; inputs stay as declared.
        const refreshed = await provider.read(id, outs);
        assert.deepEqual(refreshed.props?.undeclared, [
            { role: "app", name: "pgaudit.log", value: "none", resettable: true },
            { database: "shop", role: "app", name: "pgaudit.log_level", value: "debug1", resettable: true },
        ]);
        assert.deepEqual(refreshed.inputs, inputs);

        // pulumi up: the diff shows a change and the update resets exactly the drift.
        assert.equal((await provider.diff(id, refreshed.props, inputs)).changes, true);
        const updated = await provider.update(id, refreshed.props, inputs);
        assert.deepEqual(updated.outs?.undeclared, []);
        assert.deepEqual(await storedSettings(cluster), {
            "/app": ["work_mem=8MB"],
            "postgres/": ["work_mem=16MB"],
            "shop/": ["pgaudit.log=ddl,role,write"],
            "shop/auditor": ["pgaudit.log=all"],
        });
        assert.equal((await requireDdlRole(cluster)).code, EXIT_OK);

        const again = await provider.read(id, updated.outs);
        assert.deepEqual(again.props?.undeclared, []);
        assert.equal((await provider.diff(id, again.props, inputs)).changes, false);

        // Deleting exclusive mode changes nothing on the server.
        const before = await storedSettings(cluster);
        await provider.delete(id, again.props);
        assert.deepEqual(await storedSettings(cluster), before);
    });
});

test("hostile names are reset exactly, as names, never as SQL", async () => {
    const role = 'x"; DROP ROLE victim; --\n\u001b[31m';
    const database = "db\n'quoted' ✓";
    await withCluster(async (cluster) => {
        await cluster.adminSql("CREATE ROLE victim LOGIN");
        await cluster.adminSql(sql`CREATE ROLE ${role} LOGIN`);
        await cluster.sql(sql`CREATE DATABASE ${database} OWNER avnadmin`);
        await cluster.sql(sql`ALTER ROLE ${role} IN DATABASE ${database} SET pgaudit.log = 'none'`);
        await cluster.sql(sql`ALTER DATABASE ${database} SET pgaudit.log = 'none'`);
        await cluster.sql("ALTER ROLE victim SET pgaudit.log = 'none'");

        const kept = await createExclusive({ connection: cluster.adminConnection(), declaredScopes: [{ role: "victim" }] });
        assert.deepEqual(kept.outs.undeclared, []);
        assert.deepEqual(await storedSettings(cluster), { "/victim": ["pgaudit.log=none"] });
        assert.equal((await cluster.sql("SELECT 1 FROM pg_roles WHERE rolname = $1", [role])).length, 1);
    });
});

test("what avnadmin may not reset: fail changes nothing and says why; report resets the rest and keeps them listed", async () => {
    await withCluster(async (cluster) => {
        await cluster.adminSql("CREATE ROLE app LOGIN");
        await cluster.sql("CREATE ROLE root SUPERUSER LOGIN");
        await cluster.sql("CREATE DATABASE theirs"); // owned by postgres
        await cluster.sql("ALTER ROLE ALL SET pgaudit.log_catalog = off");
        await cluster.sql("ALTER DATABASE theirs SET pgaudit.log = 'none'");
        await cluster.sql("ALTER ROLE root SET pgaudit.log = 'none'");
        await cluster.sql("ALTER ROLE app SET pgaudit.log = 'none'");
        const stored = await storedSettings(cluster);

        await assert.rejects(createExclusive({ connection: cluster.adminConnection(), declaredScopes: [] }), (err: Error) => {
            assert.match(err.message, /3 undeclared pgaudit override\(s\) cannot be reset by the connecting role, so nothing was changed/);
            assert.match(err.message, /pgaudit\.log_catalog = "off" at all roles in all databases \(ALTER ROLE ALL\): ALTER ROLE ALL needs a superuser/);
            assert.match(err.message, /pgaudit\.log = "none" at database "theirs": only the owner of database "theirs"/);
            assert.match(err.message, /pgaudit\.log = "none" at role "root": role "root" is a superuser/);
            assert.doesNotMatch(err.message, /role "app"/);
            return true;
        });
        assert.deepEqual(await storedSettings(cluster), stored);

        const { id, inputs, outs } = await createExclusive({ connection: cluster.adminConnection(), declaredScopes: [], onUnresettable: "report" });
        const left = outs.undeclared as { database?: string; role?: string; name: string; resettable: boolean }[];
        assert.deepEqual(
            left.map((o) => [o.database ?? "", o.role ?? "", o.name, o.resettable]),
            [
                ["", "", "pgaudit.log_catalog", false],
                ["", "root", "pgaudit.log", false],
                ["theirs", "", "pgaudit.log", false],
            ],
        );
        assert.equal((await storedSettings(cluster))["/app"], undefined);
        // What is left cannot be acted on: no perpetual diff.
        assert.equal((await provider.diff(id, outs, inputs)).changes, false);

        // The classification agrees with PostgreSQL: each of these RESETs is refused to avnadmin.
        const admin = new pg.Client({ connectionString: cluster.adminUri() });
        await admin.connect();
        try {
            for (const statement of [
                "ALTER ROLE ALL RESET pgaudit.log_catalog",
                'ALTER ROLE "root" RESET pgaudit.log',
                'ALTER DATABASE "theirs" RESET pgaudit.log',
            ]) {
                await assert.rejects(admin.query(statement), { code: "42501" }, statement);
            }
        } finally {
            await admin.end();
        }
    });
});
