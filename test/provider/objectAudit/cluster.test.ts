// PgAuditObjectAudit against a real PostgreSQL + pgaudit as the non-superuser avnadmin, driving the
// provider in the engine's order (check → create; read → diff → update; delete). pgaudit.role is
// set per database through PgAuditSetting, as on a service without superuser; the AUDIT lines come
// from new sessions of a role whose own pgaudit.log is none.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import pg from "pg";
import { closeAllPools } from "../../../provider/connection";
import { pgAuditObjectAuditProvider as provider, pgAuditSettingProvider } from "../../support/providers";
import { startCluster, type TestCluster } from "../../../sandbox/cluster";
import { auditLinesOf } from "../../support/scopes";

after(closeAllPools);

const sql = (strings: TemplateStringsArray, ...names: string[]) =>
    strings.reduce((acc, s, i) => acc + s + (i < names.length ? pg.escapeIdentifier(names[i]) : ""), "");

/** A cluster with database shop (owned by avnadmin, as aiven.PgDatabase makes it) and clerk, whose session audit is off. */
async function withShop(work: (cluster: TestCluster) => Promise<void>): Promise<void> {
    const cluster = await startCluster();
    try {
        await cluster.sql("CREATE DATABASE shop OWNER avnadmin");
        await cluster.adminSql("CREATE ROLE clerk LOGIN"); // as aiven.PgUser makes it
        await cluster.sql("ALTER ROLE clerk SET pgaudit.log = 'none'");
        // The application's table, created by avnadmin (so avnadmin may grant on it).
        const admin = new pg.Client(cluster.adminConnection("shop"));
        await admin.connect();
        try {
            await admin.query("CREATE TABLE cards(id int, holder text, pan text); INSERT INTO cards VALUES (1, 'ann', '4111')");
            await admin.query("CREATE TABLE notes(body text)");
            await admin.query("GRANT SELECT, INSERT, UPDATE, DELETE ON cards, notes TO clerk");
        } finally {
            await admin.end();
        }
        await setPgauditRole(cluster, "shop", "auditor");
        await work(cluster);
    } finally {
        await cluster.stop();
    }
}

/** `ALTER DATABASE … SET pgaudit.role` through PgAuditSetting, as avnadmin. */
async function setPgauditRole(cluster: TestCluster, database: string, role: string): Promise<void> {
    const checked = await pgAuditSettingProvider.check({}, { connection: cluster.adminConnection(), database, settings: { role } });
    assert.deepEqual(checked.failures ?? [], []);
    await pgAuditSettingProvider.create(checked.inputs!);
}

async function checkedInputs(props: Record<string, unknown>): Promise<Record<string, unknown>> {
    const result = await provider.check({}, props);
    assert.deepEqual(result.failures ?? [], [], "check failed");
    return result.inputs!;
}

/** The audit role's privileges in a database, as the catalog holds them (superuser view). */
async function privileges(cluster: TestCluster, role: string, database = "shop"): Promise<string[]> {
    const rows = await cluster.sql<{ p: string }>(
        `SELECT format('%s.%s%s:%s', n.nspname, c.relname, '', a.privilege_type) AS p
           FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace, aclexplode(c.relacl) a
          WHERE a.grantee = (SELECT oid FROM pg_roles WHERE rolname = $1)
         UNION ALL
         SELECT format('%s.%s(%s):%s', n.nspname, c.relname, at.attname, a.privilege_type)
           FROM pg_attribute at JOIN pg_class c ON c.oid = at.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace, aclexplode(at.attacl) a
          WHERE a.grantee = (SELECT oid FROM pg_roles WHERE rolname = $1)
          ORDER BY 1`,
        [role],
        database,
    );
    return rows.map((r) => r.p);
}

const roleExists = async (cluster: TestCluster, role: string) => (await cluster.sql("SELECT 1 FROM pg_roles WHERE rolname = $1", [role])).length === 1;

const CARDS = [
    { table: "public.cards", privileges: ["select"], columns: ["pan"] },
    { table: "public.cards", privileges: ["update"] },
];

test("clerk at pgaudit.log = none: reading the audited column is logged, the others are not; an audited UPDATE is logged", async () => {
    await withShop(async (cluster) => {
        const inputs = await checkedInputs({ connection: cluster.adminConnection(), database: "shop", auditRole: "auditor", createRole: true, objects: CARDS });
        const created = await provider.create(inputs);
        assert.equal(created.id, "database/shop/role/auditor");
        assert.equal(created.outs.roleCreated, true);
        assert.deepEqual(await privileges(cluster, "auditor"), ["public.cards(pan):SELECT", "public.cards:UPDATE"]);

        assert.deepEqual(
            await auditLinesOf(cluster, "clerk", "shop", ["SELECT id, holder FROM cards", "SELECT body FROM notes", "INSERT INTO notes VALUES ('x')"]),
            [],
        );
        const read = await auditLinesOf(cluster, "clerk", "shop", ["SELECT pan FROM cards"]);
        assert.equal(read.length, 1, read.join("\n"));
        assert.match(read[0], /AUDIT: OBJECT,1,1,READ,SELECT,TABLE,public\.cards,SELECT pan FROM cards,/);
        const write = await auditLinesOf(cluster, "clerk", "shop", ["UPDATE cards SET holder = 'bob'"]);
        assert.equal(write.length, 1, write.join("\n"));
        assert.match(write[0], /AUDIT: OBJECT,1,1,WRITE,UPDATE,TABLE,public\.cards,UPDATE cards SET holder = 'bob',/);

        // A rerun of the same declaration converges without a change.
        const again = await provider.read(created.id, created.outs);
        assert.equal((await provider.diff(created.id, again.props!, inputs)).changes, false);
        await provider.update(created.id, again.props!, inputs);
        assert.deepEqual(await privileges(cluster, "auditor"), ["public.cards(pan):SELECT", "public.cards:UPDATE"]);
    });
});

test("a grant revoked by hand (or added by hand) is drift at refresh, and up restores the declaration; delete stops the lines and drops the role it created", async () => {
    await withShop(async (cluster) => {
        const inputs = await checkedInputs({ connection: cluster.adminConnection(), database: "shop", auditRole: "auditor", createRole: true, objects: CARDS });
        const created = await provider.create(inputs);

        await cluster.sql("REVOKE UPDATE ON cards FROM auditor; GRANT DELETE ON notes TO auditor", [], "shop");
        assert.deepEqual(await auditLinesOf(cluster, "clerk", "shop", ["UPDATE cards SET holder = 'eve'"]), []);
        const refreshed = await provider.read(created.id, created.outs);
        assert.deepEqual(refreshed.props!.objects, [
            { table: "public.cards", privileges: ["select"], columns: ["pan"] },
            { table: "public.notes", privileges: ["delete"] },
        ]);
        assert.equal(refreshed.props!.roleCreated, true, "refresh keeps what the resource created");
        assert.equal("roleCreated" in refreshed.inputs!, false);
        const diff = await provider.diff(created.id, refreshed.props!, inputs);
        assert.deepEqual([diff.changes, diff.replaces], [true, []]);

        const updated = await provider.update(created.id, refreshed.props!, inputs);
        assert.equal(updated.outs.roleCreated, true);
        assert.deepEqual(await privileges(cluster, "auditor"), ["public.cards(pan):SELECT", "public.cards:UPDATE"]);
        assert.equal((await auditLinesOf(cluster, "clerk", "shop", ["UPDATE cards SET holder = 'eve'"])).length, 1);

        // From 16 on, creating the role left avnadmin a member of it WITH ADMIN OPTION: that is no use elsewhere.
        const [membership] = await cluster.sql<{ admin: boolean }>(
            `SELECT EXISTS (SELECT 1 FROM pg_auth_members WHERE roleid = 'auditor'::regrole AND member = 'avnadmin'::regrole AND admin_option) AS admin`,
        );
        assert.equal(membership.admin, cluster.major >= 16);
        await provider.delete(created.id, updated.outs);
        assert.deepEqual(await privileges(cluster, "auditor"), []);
        assert.equal(await roleExists(cluster, "auditor"), false, "the role it created is dropped");
        assert.deepEqual(await auditLinesOf(cluster, "clerk", "shop", ["SELECT pan FROM cards", "UPDATE cards SET holder = 'x'"]), []);
        // Deleting again (a retried delete) is a no-op.
        await provider.delete(created.id, updated.outs);
    });
});

test("delete keeps a role it did not create, or one still used elsewhere", async () => {
    await withShop(async (cluster) => {
        await cluster.adminSql("CREATE ROLE auditor NOLOGIN"); // as aiven.PgUser would: avnadmin's, but not this resource's
        const kept = await provider.create(
            await checkedInputs({ connection: cluster.adminConnection(), database: "shop", auditRole: "auditor", objects: CARDS }),
        );
        assert.equal(kept.outs.roleCreated, false);
        await provider.delete(kept.id, kept.outs);
        assert.equal(await roleExists(cluster, "auditor"), true);

        // Created here, but also granted on in another database: only this database's privileges go.
        await cluster.sql("CREATE DATABASE depot OWNER avnadmin");
        const depot = new pg.Client(cluster.adminConnection("depot"));
        await depot.connect();
        await depot.query("CREATE TABLE stock(n int)");
        await depot.end();
        const mine = await provider.create(
            await checkedInputs({ connection: cluster.adminConnection(), database: "shop", auditRole: "auditor2", createRole: true, objects: CARDS }),
        );
        const other = await provider.create(
            await checkedInputs({
                connection: cluster.adminConnection(),
                database: "depot",
                auditRole: "auditor2",
                objects: [{ table: "public.stock", privileges: ["insert"] }],
            }),
        );
        assert.deepEqual([mine.outs.roleCreated, other.outs.roleCreated], [true, false]);
        await provider.delete(mine.id, mine.outs);
        assert.equal(await roleExists(cluster, "auditor2"), true, "still holds privileges in depot");
        assert.deepEqual(await privileges(cluster, "auditor2", "depot"), ["public.stock:INSERT"]);
        assert.deepEqual(await privileges(cluster, "auditor2"), []);
    });
});

test("a table the connecting role does not own fails with who can grant and how, and changes nothing", async () => {
    await withShop(async (cluster) => {
        await cluster.sql("CREATE ROLE app NOLOGIN");
        await cluster.sql("CREATE TABLE patients(id int, name text); ALTER TABLE patients OWNER TO app; GRANT SELECT ON patients TO avnadmin", [], "shop");
        const before = await cluster.sql("SELECT relname, relacl::text FROM pg_class WHERE relname IN ('cards', 'patients') ORDER BY 1", [], "shop");
        const inputs = await checkedInputs({
            connection: cluster.adminConnection(),
            database: "shop",
            auditRole: "auditor",
            createRole: true,
            objects: [...CARDS, { table: "public.patients", privileges: ["select", "update"] }],
        });
        await assert.rejects(provider.create(inputs), (err: Error & { sqlState?: string }) => {
            assert.equal(err.sqlState, "42501");
            assert.match(err.message, /nothing was changed/);
            assert.match(err.message, /"avnadmin" may not grant SELECT, UPDATE on "public\.patients": its owner is "app"/);
            assert.match(err.message, /GRANT "app" TO "avnadmin"/);
            assert.match(err.message, /as "app": GRANT SELECT, UPDATE ON TABLE "public"\."patients" TO "avnadmin" WITH GRANT OPTION/);
            assert.match(err.message, /ALTER TABLE "public"\."patients" OWNER TO "avnadmin"/);
            return true;
        });
        assert.equal(await roleExists(cluster, "auditor"), false, "the role creation was rolled back too");
        assert.deepEqual(await cluster.sql("SELECT relname, relacl::text FROM pg_class WHERE relname IN ('cards', 'patients') ORDER BY 1", [], "shop"), before);

        // The first fix it names works: as a member of the owner, avnadmin grants as the owner.
        await cluster.sql("GRANT app TO avnadmin");
        await provider.create(inputs);
        assert.deepEqual(await privileges(cluster, "auditor"), [
            "public.cards(pan):SELECT",
            "public.cards:UPDATE",
            "public.patients:SELECT",
            "public.patients:UPDATE",
        ]);
    });
});

test("a missing table or column, or a missing role without createRole, fails before anything is written", async () => {
    await withShop(async (cluster) => {
        const base = { connection: cluster.adminConnection(), database: "shop", auditRole: "auditor" };
        await assert.rejects(
            provider.create(await checkedInputs({ ...base, objects: CARDS })),
            /the audit role "auditor" does not exist: set createRole: true/,
        );
        const bad = await checkedInputs({
            ...base,
            createRole: true,
            objects: [
                { table: "public.Cards", privileges: ["select"] },
                { table: "public.cards", privileges: ["select"], columns: ["PAN"] },
            ],
        });
        await assert.rejects(provider.create(bad), (err: Error) => {
            assert.match(err.message, /table "public\.Cards" does not exist in database "shop"/);
            assert.match(err.message, /table "public\.cards" has no column "PAN"/);
            return true;
        });
        assert.equal(await roleExists(cluster, "auditor"), false);
    });
});

test("privileges the audit role already holds stop create unless adopted; adopted, the undeclared ones are revoked", async () => {
    await withShop(async (cluster) => {
        await cluster.adminSql("CREATE ROLE auditor NOLOGIN");
        await cluster.sql("GRANT SELECT ON notes TO auditor", [], "shop");
        const base = { connection: cluster.adminConnection(), database: "shop", auditRole: "auditor", objects: CARDS };
        await assert.rejects(
            provider.create(await checkedInputs(base)),
            /already holds privileges in database "shop" that this resource does not declare: select on public\.notes\. .*adopt: true/,
        );
        assert.deepEqual(await privileges(cluster, "auditor"), ["public.notes:SELECT"]);
        await provider.create(await checkedInputs({ ...base, adopt: true }));
        assert.deepEqual(await privileges(cluster, "auditor"), ["public.cards(pan):SELECT", "public.cards:UPDATE"]);
    });
});

test("hostile schema, table, column and role names round-trip as names, never as SQL", async () => {
    const schema = 'we"ird.sch; DROP TABLE cards; --';
    const table = "t\n'x' ✓";
    const column = 'p"an, id';
    const role = 'aud"itor; DROP ROLE clerk';
    await withShop(async (cluster) => {
        await cluster.sql(`ALTER DATABASE shop SET pgaudit.role = ${pg.escapeLiteral(role)}`);
        const admin = new pg.Client(cluster.adminConnection("shop"));
        await admin.connect();
        try {
            await admin.query(sql`CREATE SCHEMA ${schema}`);
            await admin.query(sql`CREATE TABLE ${schema}.${table}(id int, ${column} text)`);
            await admin.query(sql`INSERT INTO ${schema}.${table} VALUES (1, 'secret')`);
            await admin.query(sql`GRANT USAGE ON SCHEMA ${schema} TO clerk; GRANT SELECT ON ${schema}.${table} TO clerk`);
        } finally {
            await admin.end();
        }
        const tableText = `"${schema.replace(/"/g, '""')}"."${table}"`;
        const objects = [{ table: tableText, privileges: ["select"], columns: [column] }];
        const inputs = await checkedInputs({ connection: cluster.adminConnection(), database: "shop", auditRole: role, createRole: true, objects });
        const created = await provider.create(inputs);
        assert.equal(created.id, `database/shop/role/${encodeURIComponent(role)}`);
        assert.deepEqual(await privileges(cluster, role), [`${schema}.${table}(${column}):SELECT`]);
        assert.equal((await cluster.sql("SELECT count(*)::int AS n FROM cards", [], "shop"))[0].n, 1, "no statement ran from a name");
        assert.equal(await roleExists(cluster, "clerk"), true);

        // Normalized: a part is quoted only where it must be.
        assert.deepEqual(inputs.objects, [{ ...objects[0], table: `"${schema.replace(/"/g, '""')}".${table}` }]);
        const refreshed = await provider.read(created.id, created.outs);
        assert.deepEqual(refreshed.props!.objects, inputs.objects);
        assert.equal((await provider.diff(created.id, refreshed.props!, inputs)).changes, false);
        const lines = await auditLinesOf(cluster, "clerk", "shop", [sql`SELECT ${column} FROM ${schema}.${table}`]);
        assert.equal(lines.length, 1, lines.join("\n"));
        assert.match(lines[0], /AUDIT: OBJECT,1,1,READ,SELECT,TABLE,/);
        assert.deepEqual(await auditLinesOf(cluster, "clerk", "shop", [sql`SELECT id FROM ${schema}.${table}`]), []);

        await provider.delete(created.id, refreshed.props!);
        assert.equal(await roleExists(cluster, role), false);
    });
});
