/**
 * Switching a deployed stack between one PgAuditSetting per scope and one PgAuditScopes, in the
 * order `pulumi up` runs the steps (creates of new resources first, deletes of removed ones
 * last, none for a resource kept retainOnDelete), through the SDK's real provider host against
 * PostgreSQL (15, and 17 in the test matrix). The server logs every statement: no setting may be RESET at any point of a
 * switch, not only at its end, with the retain step or without it (the owner records: the new
 * resource holds the scopes by the time the old ones' deletes run).
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import { after, before, test } from "node:test";
import { PgAuditScopes, PgAuditSetting, type PgAuditSettingsInput } from "../../../provider";
import { startCluster, type TestCluster } from "../../../sandbox/cluster";
import { EngineHarness } from "../../support/engineHarness";
import { catalogEntries, wholeCatalog } from "../../support/scopes";
import { destroy, refresh, SCOPES_TYPE, SETTING_TYPE, up, type Deployed } from "../../support/scopesStack";

let cluster: TestCluster;
let host: EngineHarness;
before(async () => {
    cluster = await startCluster({ settings: { log_statement: "all" } });
    await cluster.sql(`CREATE DATABASE shop OWNER avnadmin`);
    // avnadmin's roles, as aiven.PgUser makes them (16+: it holds ADMIN OPTION on them).
    for (const role of ["sw_app", "sw_rep", "sw_ops"]) await cluster.adminSql(`CREATE ROLE ${role} LOGIN`);
    host = await EngineHarness.start();
    await host.configure();
});
after(async () => {
    await host?.close();
    await cluster?.stop();
});

const DECLARED: { database?: string; role?: string; settings: PgAuditSettingsInput }[] = [
    { database: "shop", settings: { log: ["ddl", "role"] } },
    { role: "sw_app", settings: { log: ["write"], logRelation: true } },
    { role: "sw_rep", database: "shop", settings: { log: ["read"] } },
];
const childName = (s: { database?: string; role?: string }) =>
    `sw-${s.role ? `role-${s.role}` : ""}${s.role && s.database ? "-" : ""}${s.database ? `db-${s.database}` : ""}`;

const perScope = (last?: Map<string, Deployed>) =>
    Promise.all(
        DECLARED.map(async (s) => {
            const name = childName(s);
            const d = await up(host, SETTING_TYPE, name, () => new PgAuditSetting(name, { connection: cluster.adminUri(), ...s }), last?.get(name));
            return [name, d] as const;
        }),
    ).then((entries) => new Map(entries));
const oneResource = (last?: Deployed, adopt?: boolean, scopes = DECLARED) =>
    up(host, SCOPES_TYPE, "sw-scopes", () => new PgAuditScopes("sw-scopes", { connection: cluster.adminUri(), scopes, adopt }), last);

/** RESET statements the server ran since `offset` (log_statement = all; a batch spans several lines). */
function resetsSince(offset: number): string[] {
    const text = fs.readFileSync(cluster.logFile).subarray(offset).toString("utf8");
    return [...text.matchAll(/ALTER [^;\n]* RESET [^;\n]*/g)].map((m) => m[0]);
}

const expected = async () => ({
    shop: await catalogEntries(cluster, { database: "shop" }),
    app: await catalogEntries(cluster, { role: "sw_app" }),
    rep: await catalogEntries(cluster, { role: "sw_rep", database: "shop" }),
});
const DEPLOYED = { shop: ["pgaudit.log=ddl,role"], app: ["pgaudit.log=write", "pgaudit.log_relation=on"], rep: ["pgaudit.log=read"] };

test("one PgAuditSetting per scope → one PgAuditScopes: retain, then switch; nothing is RESET, before, during or after", async () => {
    const old = await perScope();
    assert.deepEqual(await expected(), DEPLOYED);
    const offset = cluster.logOffset();

    // up 1: retainScopesOnDelete: true changes only resource options: every diff is "no change", no provider call writes.
    const retained = await perScope(old);
    for (const d of retained.values()) assert.equal(d.step, "same");

    // up 2, creates first: the new resource finds the same values, so it needs no adopt and writes nothing.
    const catalog = await wholeCatalog(cluster);
    const created = await oneResource();
    assert.equal(await wholeCatalog(cluster), catalog, "taking over equal values writes nothing");
    // … then the removed PgAuditSettings: retainOnDelete, so the engine sends no Delete.
    assert.deepEqual(await expected(), DEPLOYED);
    assert.deepEqual(resetsSince(offset), [], "no RESET at any point of the switch");

    // The new owner now holds every scope: refresh agrees, and its delete resets them.
    const refreshed = await refresh(host, created);
    assert.equal((await oneResource(refreshed)).step, "same");
    await destroy(host, refreshed);
    assert.deepEqual(await expected(), { shop: [], app: [], rep: [] });
});

test("a setting changed in the same up as the switch: the new resource takes the scopes its stack held and applies the change in one transaction, no adopt", async () => {
    await perScope(); // deployed, then retained: the engine will send them no Delete
    const changed = [DECLARED[0], { role: "sw_app", settings: { log: ["write", "ddl"] } }, DECLARED[2]];
    const offset = cluster.logOffset();
    const created = await oneResource(undefined, false, changed);
    assert.deepEqual(await catalogEntries(cluster, { role: "sw_app" }), ["pgaudit.log=write,ddl"]);
    assert.deepEqual(resetsSince(offset), [`ALTER ROLE "sw_app" RESET "pgaudit"."log_relation"`], "the only RESET is of the key the new declaration drops");
    await destroy(host, created);
    assert.deepEqual(await expected(), { shop: [], app: [], rep: [] }, "the retained resources' records do not keep the new one's delete from resetting");
});

test("one PgAuditScopes → one PgAuditSetting per scope: retain, then switch; nothing is RESET", async () => {
    const old = await oneResource();
    assert.deepEqual(await expected(), DEPLOYED);
    const offset = cluster.logOffset();
    assert.equal((await oneResource(old)).step, "same", "up 1: retainOnDelete alone");
    const created = await perScope();
    for (const d of created.values()) assert.equal(d.step, "create");
    // The removed PgAuditScopes is retained: no Delete.
    assert.deepEqual(await expected(), DEPLOYED);
    assert.deepEqual(resetsSince(offset), []);
    for (const d of created.values()) await destroy(host, d);
    assert.deepEqual(await expected(), { shop: [], app: [], rep: [] });
});

test("without the retain step: the removed resources' deletes find the scopes held by the new one and reset nothing", async () => {
    const old = await perScope();
    const created = await oneResource();
    const offset = cluster.logOffset();
    for (const d of old.values()) await destroy(host, d); // the engine's deletes of removed resources, after the create
    assert.deepEqual(await expected(), DEPLOYED, "the audit posture stays as declared");
    assert.deepEqual(resetsSince(offset), []);
    const refreshed = await refresh(host, created);
    assert.equal((await oneResource(refreshed)).step, "same", "refresh agrees: nothing to do");
    await destroy(host, refreshed);
    assert.deepEqual(await expected(), { shop: [], app: [], rep: [] });
});
