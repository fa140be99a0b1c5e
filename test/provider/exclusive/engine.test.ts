// PgAuditExclusive through the SDK's real dynamic-provider host: the serialized __provider loads
// pulumi-aiven-pgaudit/provider by name and runs check → create, read → diff → update, delete.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { closeAllPools } from "../../../provider/connection";
import { PgAuditExclusive } from "../../../provider";
import { EngineHarness, serializeUnderMocks, urnFor } from "../../support/engineHarness";
import { startCluster } from "../../../sandbox/cluster";

after(closeAllPools);
const TYPE = "pulumi-nodejs:dynamic/pgaudit:PgAuditExclusive";

test("exclusive mode through the real provider host", async () => {
    const cluster = await startCluster({ settings: { "pgaudit.log": "ddl,role" } });
    const h = await EngineHarness.start();
    try {
        await cluster.sql("CREATE DATABASE shop OWNER avnadmin");
        await cluster.adminSql("CREATE ROLE app LOGIN");
        await cluster.sql("ALTER DATABASE shop SET pgaudit.log = 'ddl,role,write'");
        const inputs = await serializeUnderMocks(
            () => new PgAuditExclusive("ex", { connection: cluster.adminConnection(), declaredScopes: [{ database: "shop" }] }),
        );
        const urn = urnFor("ex", TYPE);
        await h.configure();
        const checked = await h.check(urn, {}, inputs);
        assert.deepEqual(checked.failures, []);
        const created = await h.create(urn, checked.inputs);
        assert.deepEqual(created.properties.undeclared, []);
        await cluster.sql("ALTER ROLE app SET pgaudit.log = 'none'");
        const read = await h.read(urn, created.id, created.properties, checked.inputs);
        assert.deepEqual(read.properties.undeclared, [{ role: "app", name: "pgaudit.log", value: "none", resettable: true }]);
        assert.equal((await h.diff(urn, created.id, read.properties, checked.inputs)).changes, "some");
        const updated = await h.update(urn, created.id, read.properties, checked.inputs);
        assert.deepEqual(updated.properties.undeclared, []);
        assert.deepEqual(await cluster.sql("SELECT setconfig FROM pg_db_role_setting s JOIN pg_roles r ON r.oid = s.setrole WHERE r.rolname = 'app'"), []);
        assert.equal((await h.diff(urn, created.id, updated.properties, checked.inputs)).changes, "none");
        await h.delete(urn, created.id, updated.properties, checked.inputs);
        assert.equal((await cluster.sql("SELECT 1 FROM pg_db_role_setting")).length, 1);
        const bad = await h.check(urn, {}, { ...inputs, declaredScopes: [{}] });
        assert.equal(bad.failures[0]?.property, "declaredScopes[0]");
    } finally {
        await h.close();
        await cluster.stop();
    }
});
