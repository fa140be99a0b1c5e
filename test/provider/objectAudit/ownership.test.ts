/**
 * PgAuditObjectAudit's owner records against PostgreSQL + pgaudit as avnadmin, provider methods
 * called in the engine's order (the new resource's create, then the old one's delete with its old
 * outputs): a rename, two stacks with and without adopt, and state of the previous version.
 * Before owner records, a rename's delete REVOKEd the grants its successor had just taken.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import pg from "pg";
import { closeAllPools } from "../../../provider/connection";
import { pgAuditObjectAuditProvider as provider } from "../../support/providers";
import { startCluster, type TestCluster } from "../../../sandbox/cluster";
import { auditLinesOf } from "../../support/scopes";
import { without } from "../../support/without";

let cluster: TestCluster;
before(async () => {
    cluster = await startCluster();
    await cluster.sql("CREATE DATABASE shop OWNER avnadmin"); // as aiven.PgDatabase makes it
    await cluster.adminSql("CREATE ROLE clerk LOGIN");
    await cluster.sql("ALTER ROLE clerk SET pgaudit.log = 'none'");
    await cluster.sql("ALTER DATABASE shop SET pgaudit.role = 'auditor'");
    const admin = new pg.Client(cluster.adminConnection("shop"));
    await admin.connect();
    try {
        await admin.query("CREATE TABLE cards(id int, pan text); INSERT INTO cards VALUES (1, '4111'); GRANT SELECT ON cards TO clerk");
    } finally {
        await admin.end();
    }
});
after(async () => {
    await closeAllPools();
    await cluster?.stop();
});

const PAN = [{ table: "public.cards", privileges: ["select"], columns: ["pan"] }];
const label = (stack: string, name: string) => ({ stack: `shop/${stack}`, resource: `PgAuditObjectAudit "${name}"` });
async function inputs(name: string, stack: string, extra: Record<string, unknown> = {}) {
    const result = await provider.check(
        {},
        {
            connection: cluster.adminConnection(),
            database: "shop",
            auditRole: "auditor",
            createRole: true,
            objects: PAN,
            owner: label(stack, name),
            ...extra,
        },
    );
    assert.deepEqual(result.failures ?? [], []);
    return result.inputs!;
}
const grants = async () =>
    (
        await cluster.sql<{ g: string }>(
            // column_privileges would list a table-wide grant once per column: read the ACLs.
            `SELECT c.relname || '.' || a.privilege_type AS g FROM pg_class c, aclexplode(c.relacl) a WHERE a.grantee = 'auditor'::regrole
             UNION ALL SELECT c.relname || '(' || at.attname || ').' || a.privilege_type FROM pg_attribute at JOIN pg_class c ON c.oid = at.attrelid,
                   aclexplode(at.attacl) a WHERE a.grantee = 'auditor'::regrole ORDER BY 1`,
            [],
            "shop",
        )
    ).map((r) => r.g);
const records = async () =>
    await cluster.sql<{ scope: string; stack: string; resource: string }>(
        `SELECT scope, stack, resource FROM pulumi_aiven_pgaudit.scope_owner ORDER BY scope, stack`,
        [],
        "shop",
    );
const panAudited = async () => (await auditLinesOf(cluster, "clerk", "shop", ["SELECT pan FROM cards"])).filter((l) => /AUDIT: OBJECT,/.test(l)).length === 1;
const roleExists = async () => (await cluster.sql("SELECT 1 FROM pg_roles WHERE rolname = 'auditor'")).length === 1;

test("a rename: create b, then delete a with a's old outputs: the grants stay, b holds them, and refresh agrees", async () => {
    const a = await provider.create(await inputs("a", "dev"));
    assert.equal(a.outs.roleCreated, true);
    assert.equal(await panAudited(), true);
    const bInputs = await inputs("b", "dev");
    const b = await provider.create(bInputs); // finds a's grants: this stack's, so no adopt needed
    await provider.delete(a.id, a.outs);
    assert.deepEqual(await grants(), ["cards(pan).SELECT"], "a's delete revoked nothing");
    assert.equal(await roleExists(), true, "nor dropped the role b audits with");
    assert.equal(await panAudited(), true);
    assert.deepEqual(await records(), [{ scope: "objects/database/shop/role/auditor", stack: "shop/dev", resource: 'PgAuditObjectAudit "b"' }]);
    const refreshed = await provider.read(b.id, b.outs);
    assert.equal((await provider.diff(b.id, refreshed.props!, bInputs)).changes, false, "preview after refresh: no changes");
    await provider.delete(b.id, b.outs);
    assert.deepEqual(await grants(), []);
    assert.deepEqual(await records(), []);
});

test("two stacks on one database's object audit: refused naming the holder; adopt takes it, the first is told, and its delete revokes nothing", async () => {
    const dev = await provider.create(await inputs("x", "dev"));
    await assert.rejects(provider.create(await inputs("y", "prod", { objects: [{ table: "public.cards", privileges: ["select"] }] })), (err: Error) => {
        assert.match(
            err.message,
            /PgAuditObjectAudit changed nothing: the object audit of role "auditor" in database "shop" is owned by PgAuditObjectAudit "x" of stack shop\/dev \(holding it since .* UTC\): two stacks must not declare one scope/,
        );
        assert.match(err.message, /set adopt: true/);
        return true;
    });
    assert.deepEqual(await grants(), ["cards(pan).SELECT"], "nothing written");
    const prod = await provider.create(await inputs("y", "prod", { objects: [{ table: "public.cards", privileges: ["select"] }], adopt: true }));
    assert.deepEqual(await grants(), ["cards.SELECT"]);
    await assert.rejects(
        provider.update(dev.id, dev.outs, await inputs("x", "dev")),
        /the object audit of role "auditor" in database "shop" is no longer held by this resource: PgAuditObjectAudit "y" of stack shop\/prod .*took it over/,
    );
    assert.deepEqual(await provider.read(dev.id, dev.outs), {}, "dev's refresh lets it go");
    await provider.delete(dev.id, dev.outs);
    assert.deepEqual(await grants(), ["cards.SELECT"], "dev's delete revoked nothing");
    await provider.delete(prod.id, prod.outs);
    assert.deepEqual(await grants(), []);
    assert.deepEqual(await records(), []);
});

test("state of the previous version (no owner id, no label): refresh claims; a later rename's delete of it revokes nothing", async () => {
    const created = await provider.create(await inputs("old", "dev"));
    // What the previous version kept: no ownerId, no owner; and no record (written before the table).
    const previous = without(created.outs, "ownerId", "owner");
    await cluster.sql("DELETE FROM pulumi_aiven_pgaudit.scope_owner", [], "shop");
    const read = await provider.read(created.id, previous);
    assert.match(String(read.props?.ownerId), /^[A-Za-z0-9_-]{8,64}$/, "refresh recorded it");
    assert.deepEqual(await records(), [
        { scope: "objects/database/shop/role/auditor", stack: "(unknown stack)", resource: "a resource created before owner records" },
    ]);
    // Its first up after upgrading: an update that writes the label.
    const updated = await provider.update(created.id, read.props!, await inputs("old", "dev"));
    assert.deepEqual(await records(), [{ scope: "objects/database/shop/role/auditor", stack: "shop/dev", resource: 'PgAuditObjectAudit "old"' }]);
    // Old state that never refreshed, deleted after another resource took the grants: nothing revoked.
    const renamed = await provider.create(await inputs("new", "dev"));
    await provider.delete(created.id, previous);
    assert.deepEqual(await grants(), ["cards(pan).SELECT"]);
    await provider.delete(created.id, updated.outs);
    assert.deepEqual(await grants(), ["cards(pan).SELECT"]);
    await provider.delete(renamed.id, renamed.outs);
    assert.deepEqual(await grants(), []);
});
