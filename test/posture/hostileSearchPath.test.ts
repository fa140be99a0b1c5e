// A hostile search_path (CVE-2018-1058's pattern), planted as issue 19 measured it: database `aaa`
// owned by an application role, whose owner made schema `evil` with a view `evil.pg_settings`
// that reports pgaudit.log as audited, a view `evil.pg_db_role_setting` that forges every
// override, and a function `evil.lower(text)` that logs that it ran; all granted to PUBLIC, and
// `ALTER DATABASE aaa SET search_path = evil, pg_catalog`. The server-wide pgaudit.log is really
// `none`; `defaultdb` overrides it, so the gate reads server-wide values in its fallback, `aaa`.
// The gate and the providers must read the real catalog, and the evil function must never run.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { closeAllPools, withSession } from "../../provider/connection";
import { connectionSchema } from "../../model/connectionSpec";
import { pgAuditObjectAuditProvider, pgAuditSettingProvider } from "../support/providers";
import { EXIT_REQUIREMENT_VIOLATED, runPostureCli } from "../../posture/cli";
import { readAuditPosture } from "../../posture/readAuditPosture";
import { startCluster, type TestCluster } from "../../sandbox/cluster";
import { evilRuns as evilRunsIn, plantHostileDatabase } from "../support/hostile";
import { checked } from "../support/scopes";

let cluster: TestCluster;

before(async () => {
    cluster = await startCluster();
    await plantHostileDatabase(cluster);
});
after(async () => {
    await closeAllPools();
    await cluster.stop();
});

const evilRuns = (offset: number) => evilRunsIn(cluster, offset);

test("the plant is live: a plain session in aaa reads the forged pgaudit.log and runs evil.lower", async () => {
    // Without this control the test below could pass against a plant that does nothing.
    const offset = cluster.logOffset();
    const client = await cluster.connectAs("clerk", "aaa");
    try {
        const { rows } = await client.query("SELECT reset_val, lower('X') AS l FROM pg_settings WHERE name = 'pgaudit.log'");
        assert.deepEqual(rows, [{ reset_val: "ddl,role,read,write", l: "X" }]);
    } finally {
        await client.end();
    }
    assert.equal(evilRuns(offset).length, 1);
    assert.deepEqual(await cluster.sql("SELECT reset_val FROM pg_settings WHERE name = 'pgaudit.log'"), [{ reset_val: "none" }]);
});

test("every session the package opens pins search_path, whatever the database sets", async () => {
    const connection = connectionSchema.parse(cluster.adminUri("aaa"));
    const rows = await withSession(connection, 10, async ({ client }) => (await client.query<{ search_path: string }>("SHOW search_path")).rows);
    assert.deepEqual(rows, [{ search_path: "pg_catalog,pg_temp" }]);
});

test("pgaudit-posture reads the real server-wide pgaudit.log in aaa and fails the unaudited role; evil.lower never runs", async () => {
    // clerk gets an audit role in aaa, so object audit is read there (the query that calls lower).
    await cluster.sql("ALTER ROLE clerk IN DATABASE aaa SET pgaudit.role = 'auditor'; CREATE ROLE auditor NOLOGIN");
    await cluster.adminSql("GRANT SELECT ON public.cards TO auditor", [], "aaa");
    const offset = cluster.logOffset();
    const posture = await readAuditPosture(cluster.adminUri("defaultdb"));
    const log = posture.server.find((s) => s.name === "pgaudit.log");
    assert.deepEqual({ value: log?.value, readIn: log?.readIn }, { value: "none", readIn: "aaa" });
    const clerkHere = posture.effective.find((p) => p.role === "clerk" && p.database === "postgres");
    assert.equal(clerkHere?.settings.find((s) => s.name === "pgaudit.log")?.value, "none");
    const aaa = posture.objectAudit?.find((d) => d.database === "aaa");
    assert.deepEqual(
        aaa?.auditRoles.map((r) => r.grants.map((g) => g.privilege)),
        [["select"]],
    );

    let out = "";
    const code = await runPostureCli(
        ["--connection", cluster.adminUri("defaultdb"), "--require", "write", "--require-object", "public.cards:select"],
        {},
        {
            stdout: (t) => (out += t),
            stderr: (t) => (out += t),
            readFile: () => "",
        },
    );
    assert.equal(code, EXIT_REQUIREMENT_VIOLATED, out);
    assert.match(out, /clerk/);
    assert.match(out, /pgaudit\.log\s+none/, out);
    assert.deepEqual(evilRuns(offset), []);
});

test("the providers write and read the real catalog in aaa; evil.lower never runs", async () => {
    const offset = cluster.logOffset();
    const inputs = await checked({ connection: cluster.adminUri("aaa"), role: "clerk", settings: { log: "ddl" } });
    const created = await pgAuditSettingProvider.create(inputs);
    const entries = async () =>
        (await cluster.sql<{ setconfig: string[] }>("SELECT setconfig FROM pg_db_role_setting WHERE setdatabase = 0 AND setrole = 'clerk'::regrole"))[0]
            ?.setconfig;
    assert.deepEqual(await entries(), ["pgaudit.log=ddl"]);
    // Drift by hand: refresh must see the real value, not the forged one.
    await cluster.sql("ALTER ROLE clerk SET pgaudit.log = 'none'");
    const read = await pgAuditSettingProvider.read(created.id, created.outs);
    assert.deepEqual(read.props?.settings, { log: ["none"] });

    const objectInputs = await pgAuditObjectAuditProvider.check(
        {},
        {
            connection: cluster.adminUri("aaa"),
            database: "aaa",
            auditRole: "auditor2",
            createRole: true,
            objects: [{ table: "public.cards", privileges: ["select"] }],
        },
    );
    assert.deepEqual(objectInputs.failures ?? [], []);
    const audit = await pgAuditObjectAuditProvider.create(objectInputs.inputs!);
    const back = await pgAuditObjectAuditProvider.read(audit.id, audit.outs);
    assert.equal((await pgAuditObjectAuditProvider.diff(audit.id, back.props!, objectInputs.inputs!)).changes, false);
    assert.deepEqual(evilRuns(offset), []);
});
