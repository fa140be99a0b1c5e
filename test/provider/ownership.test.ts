/**
 * The owner records against PostgreSQL, provider methods called in the engine's order (creates
 * of new resources, then deletes of removed ones, with the old outputs): a rename, two stacks
 * with and without adopt, a PgAuditScopes scope dropped while another resource holds it, and
 * state of the previous version in a database where the role may not create the table.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { closeAllPools } from "../../provider";
import { pgAuditScopesProvider as scopes, pgAuditSettingProvider as setting } from "../support/providers";
import { startCluster, type TestCluster } from "../../sandbox/cluster";
import { catalogEntries } from "../support/scopes";

let cluster: TestCluster;
before(async () => {
    cluster = await startCluster();
    await cluster.sql(`CREATE DATABASE nocreate`); // the superuser's: avnadmin may not create a schema there
    await cluster.adminSql(`CREATE ROLE own_a LOGIN; CREATE ROLE own_b LOGIN; CREATE ROLE own_c LOGIN`);
});
after(async () => {
    await closeAllPools();
    await cluster?.stop();
});

const label = (stack: string, resource: string) => ({ stack: `shop/${stack}`, resource });
async function checkedWith(provider: typeof setting, news: Record<string, unknown>) {
    const result = await provider.check({}, news);
    assert.deepEqual(result.failures ?? [], []);
    return result.inputs!;
}
const settingInputs = (name: string, stack: string, role: string, log: string[], extra: Record<string, unknown> = {}) =>
    checkedWith(setting, { connection: cluster.adminUri(), role, settings: { log }, owner: label(stack, `PgAuditSetting "${name}"`), ...extra });
const records = () =>
    cluster.sql<{ scope: string; stack: string; resource: string }>(
        `SELECT scope, stack, resource FROM pulumi_aiven_pgaudit.scope_owner ORDER BY scope, stack`,
    );

test("a rename: create b, then delete a with a's old outputs: the scope keeps b's settings, and b's record", async () => {
    const a = await setting.create(await settingInputs("a", "dev", "own_a", ["ddl", "write"]));
    const b = await setting.create(await settingInputs("b", "dev", "own_a", ["read"])); // changed in the same up: no adopt needed
    await setting.delete(a.id, a.outs);
    assert.deepEqual(await catalogEntries(cluster, { role: "own_a" }), ["pgaudit.log=read"]);
    assert.deepEqual(await records(), [{ scope: "role/own_a", stack: "shop/dev", resource: 'PgAuditSetting "b"' }]);
    assert.deepEqual((await setting.read(b.id, b.outs)).props?.settings, { log: ["read"] }, "refresh agrees");
    await setting.delete(b.id, b.outs);
    assert.deepEqual(await catalogEntries(cluster, { role: "own_a" }), []);
    assert.deepEqual(await records(), []);
});

test("two stacks: refused without adopt; with adopt the first is told at its update, and its delete leaves the scope alone", async () => {
    const dev = await setting.create(await settingInputs("x", "dev", "own_b", ["ddl"]));
    await assert.rejects(setting.create(await settingInputs("y", "prod", "own_b", ["all"])), (err: Error) => {
        assert.match(
            err.message,
            /role "own_b" is owned by PgAuditSetting "x" of stack shop\/dev \(holding it since .* UTC\): two stacks must not declare one scope/,
        );
        assert.match(err.message, /set adopt: true/);
        return true;
    });
    assert.deepEqual(await catalogEntries(cluster, { role: "own_b" }), ["pgaudit.log=ddl"], "nothing written");
    const prod = await setting.create(await settingInputs("y", "prod", "own_b", ["all"], { adopt: true }));
    assert.deepEqual(await catalogEntries(cluster, { role: "own_b" }), ["pgaudit.log=all"]);
    await assert.rejects(
        setting.update(dev.id, dev.outs, await settingInputs("x", "dev", "own_b", ["ddl", "role"])),
        /role "own_b" is no longer held by this resource: PgAuditSetting "y" of stack shop\/prod .*took it over/,
    );
    assert.deepEqual(await setting.read(dev.id, dev.outs), {}, "dev's refresh lets the scope go");
    await setting.delete(dev.id, dev.outs);
    assert.deepEqual(await catalogEntries(cluster, { role: "own_b" }), ["pgaudit.log=all"], "dev's delete reset nothing");
    await setting.delete(prod.id, prod.outs);
    assert.deepEqual(await catalogEntries(cluster, { role: "own_b" }), []);
});

test("PgAuditScopes: a scope dropped from the list while another resource of the stack holds it is not reset; exclusive leaves it alone", async () => {
    const connection = cluster.adminUri();
    const v1 = await checkedWith(scopes, {
        connection,
        scopes: [
            { role: "own_a", settings: { log: ["ddl"] } },
            { role: "own_c", settings: { log: ["write"] } },
        ],
        owner: label("dev", 'PgAuditScopes "s"'),
    });
    const s = await scopes.create(v1);
    // own_c moves to its own PgAuditSetting (created first), then the list drops it (updated after).
    const c = await setting.create(await settingInputs("c", "dev", "own_c", ["write"]));
    const v2 = await checkedWith(scopes, {
        connection,
        scopes: [{ role: "own_a", settings: { log: ["ddl"] } }],
        exclusive: true,
        owner: label("dev", 'PgAuditScopes "s"'),
    });
    const updated = await scopes.update(s.id, s.outs, v2);
    assert.deepEqual(await catalogEntries(cluster, { role: "own_c" }), ["pgaudit.log=write"], "neither dropped-from-the-list nor exclusive reset it");
    assert.deepEqual(updated.outs.undeclared, []);
    await scopes.delete(s.id, updated.outs);
    await setting.delete(c.id, c.outs);
    assert.deepEqual(await catalogEntries(cluster, { role: "own_a" }), []);
    assert.deepEqual(await catalogEntries(cluster, { role: "own_c" }), []);
});

test("state of the previous version where the table cannot be created: refresh and delete work as before; a new create says what it needs", async () => {
    await cluster.sql(`ALTER ROLE own_a IN DATABASE nocreate SET pgaudit.log = 'ddl'`);
    const connection = cluster.adminUri("nocreate");
    // What the previous version kept: the inputs, no owner label, no owner id.
    const previous = {
        ...(await checkedWith(setting, { connection, role: "own_a", database: "nocreate", settings: { log: ["ddl"] } })),
        scope: 'role "own_a" in database "nocreate"',
    };
    const read = await setting.read("role/own_a/database/nocreate", previous);
    assert.deepEqual(read.props?.settings, { log: ["ddl"] });
    assert.equal(read.props?.ownerId, undefined, "nothing to claim in: no table");
    await setting.delete("role/own_a/database/nocreate", previous);
    assert.deepEqual(await catalogEntries(cluster, { role: "own_a", database: "nocreate" }), []);
    await assert.rejects(
        setting.create(await checkedWith(setting, { connection, role: "own_a", database: "nocreate", settings: { log: ["ddl"] } })),
        /needs the table pulumi_aiven_pgaudit\.scope_owner in database "nocreate".*permission denied for database nocreate.*Fix: connect to a database the connecting role owns \(on Aiven, defaultdb/,
    );
});
