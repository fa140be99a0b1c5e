/**
 * State written before provider/ was split into rooms (core, setting, exclusive, scopes, ...)
 * still works: every resource in a stack keeps the `__provider` it was created with, and Pulumi runs
 * refresh, update and delete with that copy. The fixture holds the `__provider` strings the flat
 * layout serialized (test/fixtures/previousLayout.json names the commit); each test creates through
 * the SDK's real dynamic-provider host with them, then reads, updates and deletes with them, and
 * looks at pg_db_role_setting after every step.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { after, before, test } from "node:test";
import { startCluster, type TestCluster } from "../../sandbox/cluster";
import { EngineHarness, urnFor, type Props } from "../support/engineHarness";
import { catalogEntries } from "../support/scopes";
import { scopeMapOf } from "../support/scopesStack";

interface PreviousResource {
    readonly type: string;
    /** The registered inputs without connection (the test's own server goes there). */
    readonly inputs: Props;
    readonly __provider: string;
}
interface PreviousLayout {
    readonly commit: string;
    readonly resources: Record<"PgAuditSetting" | "PgAuditExclusive" | "PgAuditScopes", PreviousResource>;
}

/** Compiled to dist/test/…; the fixture stays in the source tree. */
function fixture(): PreviousLayout {
    let dir = __dirname;
    while (!fs.existsSync(path.join(dir, "package.json"))) dir = path.dirname(dir);
    return JSON.parse(fs.readFileSync(path.join(dir, "test/fixtures/previousLayout.json"), "utf8")) as PreviousLayout;
}

const previous = fixture();
let cluster: TestCluster;
let host: EngineHarness;

before(async () => {
    cluster = await startCluster();
    await cluster.sql(`CREATE DATABASE shop OWNER avnadmin`);
    await cluster.adminSql(`CREATE ROLE app LOGIN`);
    host = await EngineHarness.start();
    await host.configure();
});

after(async () => {
    await host?.close();
    await cluster?.stop();
});

/** The old registration pointed at this test's server, with `changes` on top; `__provider` is the fixture's. */
function declared(r: PreviousResource, changes: Props = {}): Props {
    return { ...r.inputs, connection: cluster.adminUri(), ...changes, __provider: r.__provider };
}

async function checked(urn: string, olds: Props, news: Props): Promise<Props> {
    const result = await host.check(urn, olds, news);
    assert.deepEqual(result.failures, [], "check failed");
    assert.equal(result.inputs.__provider, news.__provider, "check keeps the old __provider");
    return result.inputs;
}

test("the fixture holds the flat layout's __provider strings, each loading the package's provider entry point by name", () => {
    assert.match(previous.commit, /^[0-9a-f]{40}$/);
    for (const [kind, r] of Object.entries(previous.resources)) {
        assert.equal(r.type, `pulumi-nodejs:dynamic/pgaudit:${kind}`);
        assert.ok(r.__provider.includes(`require("pulumi-aiven-pgaudit/provider")[name]`), r.__provider);
        assert.ok(r.__provider.includes(`name: "${kind[0].toLowerCase()}${kind.slice(1)}Provider"`), r.__provider);
    }
});

test("PgAuditSetting created with the old __provider: refresh shows drift, update converges, delete resets", async () => {
    const r = previous.resources.PgAuditSetting;
    const urn = urnFor("previous-setting", r.type);
    const in1 = await checked(urn, {}, declared(r));
    const created = await host.create(urn, in1);
    assert.equal(created.id, "database/shop");
    assert.equal(created.properties.__provider, r.__provider, "the state keeps the old __provider");
    assert.deepEqual(await catalogEntries(cluster, { database: "shop" }), ["pgaudit.log=ddl"]);

    await cluster.sql(`ALTER DATABASE shop SET pgaudit.log = 'none'`);
    const read = await host.read(urn, created.id, created.properties, in1);
    assert.deepEqual(read.properties.settings, { log: ["none"] }, "refresh shows the drift");
    assert.equal(read.properties.__provider, r.__provider);
    assert.deepEqual(await catalogEntries(cluster, { database: "shop" }), ["pgaudit.log=none"], "refresh writes nothing");

    const in2 = await checked(urn, read.inputs ?? in1, declared(r, { settings: { log: ["write"], logCatalog: false } }));
    assert.equal((await host.diff(urn, created.id, read.properties, in2)).changes, "some");
    const updated = await host.update(urn, created.id, read.properties, in2);
    assert.equal(updated.properties.__provider, r.__provider);
    assert.deepEqual(await catalogEntries(cluster, { database: "shop" }), ["pgaudit.log=write", "pgaudit.log_catalog=off"]);

    await host.delete(urn, created.id, updated.properties, in2);
    assert.deepEqual(await catalogEntries(cluster, { database: "shop" }), []);
});

test("PgAuditExclusive created with the old __provider: refresh finds an undeclared override, update resets it, delete leaves the declared scope", async () => {
    const r = previous.resources.PgAuditExclusive;
    const urn = urnFor("previous-exclusive", r.type);
    await cluster.sql(`ALTER DATABASE shop SET pgaudit.log = 'ddl'`); // declared: left alone
    await cluster.sql(`ALTER ROLE app SET pgaudit.log = 'read'`); // undeclared: reset at create
    const in1 = await checked(urn, {}, declared(r));
    const created = await host.create(urn, in1);
    assert.equal(created.properties.__provider, r.__provider);
    assert.deepEqual(created.properties.undeclared, []);
    assert.deepEqual(await catalogEntries(cluster, { role: "app" }), []);
    assert.deepEqual(await catalogEntries(cluster, { database: "shop" }), ["pgaudit.log=ddl"]);

    await cluster.sql(`ALTER ROLE app SET pgaudit.log = 'none'`);
    const read = await host.read(urn, created.id, created.properties, in1);
    assert.deepEqual(read.properties.undeclared, [{ role: "app", name: "pgaudit.log", value: "none", resettable: true }]);
    assert.equal(read.properties.__provider, r.__provider);
    assert.deepEqual(await catalogEntries(cluster, { role: "app" }), ["pgaudit.log=none"], "refresh writes nothing");

    const in2 = await checked(urn, in1, declared(r, { declaredScopes: [{ database: "shop" }, { role: "app", database: "shop" }] }));
    assert.equal((await host.diff(urn, created.id, read.properties, in2)).changes, "some");
    const updated = await host.update(urn, created.id, read.properties, in2);
    assert.deepEqual(updated.properties.undeclared, []);
    assert.deepEqual(updated.properties.declaredScopes, [{ database: "shop" }, { role: "app", database: "shop" }]);
    assert.equal(updated.properties.__provider, r.__provider);
    assert.deepEqual(await catalogEntries(cluster, { role: "app" }), []);

    await host.delete(urn, created.id, updated.properties, in2);
    assert.deepEqual(await catalogEntries(cluster, { database: "shop" }), ["pgaudit.log=ddl"], "delete resets nothing: exclusivity just stops");
    await cluster.sql(`ALTER DATABASE shop RESET pgaudit.log`);
});

test("PgAuditScopes created with the old __provider, its scopes kept as the map earlier releases wrote: refresh shows drift, update adds and changes scopes, delete resets them", async () => {
    const r = previous.resources.PgAuditScopes;
    const urn = urnFor("previous-scopes", r.type);
    const in1 = await checked(urn, {}, declared(r));
    const created = await host.create(urn, in1);
    assert.equal(created.properties.__provider, r.__provider);
    assert.deepEqual(scopeMapOf(created.properties.scopes), { "role/app": "log=write" });
    assert.deepEqual(await catalogEntries(cluster, { role: "app" }), ["pgaudit.log=write"]);

    // State as releases before the one text kept it: the scopes as a map, in inputs and outputs.
    const mapState = { ...created.properties, scopes: scopeMapOf(created.properties.scopes) };
    await cluster.sql(`ALTER ROLE app SET pgaudit.log = 'none'`);
    const read = await host.read(urn, created.id, mapState, { ...in1, scopes: mapState.scopes });
    assert.deepEqual(scopeMapOf(read.properties.scopes), { "role/app": "log=none" }, "refresh shows the drift");
    assert.equal(read.properties.__provider, r.__provider);
    assert.deepEqual(await catalogEntries(cluster, { role: "app" }), ["pgaudit.log=none"], "refresh writes nothing");

    const v2 = {
        scopes: [
            { role: "app", settings: { log: ["read", "write"] } },
            { database: "shop", settings: { log: ["ddl"] } },
        ],
    };
    const in2 = await checked(urn, read.inputs ?? in1, declared(r, v2));
    assert.equal((await host.diff(urn, created.id, read.properties, in2)).changes, "some");
    const updated = await host.update(urn, created.id, read.properties, in2);
    assert.equal(updated.properties.__provider, r.__provider);
    assert.deepEqual(await catalogEntries(cluster, { role: "app" }), ["pgaudit.log=read,write"]);
    assert.deepEqual(await catalogEntries(cluster, { database: "shop" }), ["pgaudit.log=ddl"]);

    await host.delete(urn, created.id, updated.properties, in2);
    assert.deepEqual(await catalogEntries(cluster, { role: "app" }), []);
    assert.deepEqual(await catalogEntries(cluster, { database: "shop" }), []);
});
