// PgAuditObjectAudit through the SDK's real dynamic-provider host: the serialized __provider
// (within the 2 KB budget, naming only the package) runs check → create, read → diff → update, delete.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import pg from "pg";
import { closeAllPools } from "../../../provider/connection";
import { PgAuditObjectAudit } from "../../../provider";
import { startCluster } from "../../../sandbox/cluster";
import { EngineHarness, serializeUnderMocks, urnFor } from "../../support/engineHarness";

after(closeAllPools);
const TYPE = "pulumi-nodejs:dynamic/pgaudit:PgAuditObjectAudit";

test("object audit through the real provider host", async () => {
    const cluster = await startCluster();
    const h = await EngineHarness.start();
    try {
        await cluster.sql("CREATE DATABASE shop OWNER avnadmin");
        const admin = new pg.Client(cluster.adminConnection("shop"));
        await admin.connect();
        await admin.query("CREATE TABLE cards(id int, pan text)");
        await admin.end();
        const objects = [{ table: "public.cards", privileges: ["select" as const], columns: ["pan"] }];
        const inputs = await serializeUnderMocks(
            () => new PgAuditObjectAudit("oa", { connection: cluster.adminConnection(), database: "shop", auditRole: "auditor", createRole: true, objects }),
        );
        const provider = inputs.__provider as string;
        assert.ok(Buffer.byteLength(provider, "utf8") <= 2048, `__provider is ${Buffer.byteLength(provider, "utf8")} bytes`);
        assert.deepEqual([...new Set([...provider.matchAll(/require\(([^)]*)\)/g)].map((m) => m[1]))], [`"pulumi-aiven-pgaudit/provider"`]);
        assert.match(provider, /name: "pgAuditObjectAuditProvider"/);
        assert.ok(!provider.includes(cluster.admin.password));

        const urn = urnFor("oa", TYPE);
        await h.configure();
        const bad = await h.check(urn, {}, { ...inputs, objects: [{ table: "cards", privileges: ["select"] }] });
        assert.equal(bad.failures[0]?.property, "objects[0].table");
        const checked = await h.check(urn, {}, inputs);
        assert.deepEqual(checked.failures, []);
        const created = await h.create(urn, checked.inputs);
        assert.equal(created.properties.roleCreated, true);
        await cluster.sql("REVOKE SELECT (pan) ON cards FROM auditor", [], "shop");
        const read = await h.read(urn, created.id, created.properties, checked.inputs);
        assert.deepEqual(read.properties.objects, []);
        assert.equal((await h.diff(urn, created.id, read.properties, checked.inputs)).changes, "some");
        const updated = await h.update(urn, created.id, read.properties, checked.inputs);
        assert.deepEqual(updated.properties.objects, objects);
        assert.equal((await h.diff(urn, created.id, updated.properties, checked.inputs)).changes, "none");
        await h.delete(urn, created.id, updated.properties, checked.inputs);
        assert.deepEqual(await cluster.sql("SELECT 1 FROM pg_roles WHERE rolname = 'auditor'"), []);
        assert.ok(!h.stderr.includes(cluster.admin.password));
    } finally {
        await h.close();
        await cluster.stop();
    }
});
