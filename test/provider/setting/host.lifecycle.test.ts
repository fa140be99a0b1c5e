/**
 * PgAuditSetting the way `pulumi up` runs it: the resources are constructed under Pulumi mocks
 * (which serializes the real `__provider`), and every operation goes over gRPC to the SDK's own
 * dynamic-provider host process, against PostgreSQL 15 + pgaudit, connected as the non-superuser
 * avnadmin. Nothing here calls the provider in-process.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import { after, before, describe, test } from "node:test";
import { PgAuditSetting, type PgAuditSettingArgs } from "../../../provider";
import { startCluster, type TestCluster } from "../../../sandbox/cluster";
import { EngineHarness, serializeUnderMocks, urnFor, type Props } from "../../support/engineHarness";
import { catalogEntries, showAs } from "../../support/scopes";

let cluster: TestCluster;
let host: EngineHarness;
/** Every host started here, to look at all their stderr, stdout and logs at the end. */
const hosts: EngineHarness[] = [];

async function startHost(): Promise<EngineHarness> {
    const h = await EngineHarness.start();
    hosts.push(h);
    assert.equal(await h.configure(), false, "the host does not accept secrets: the engine sends them in plain text");
    return h;
}

before(async () => {
    cluster = await startCluster({ settings: { log_connections: "on" } });
    await cluster.sql(`CREATE DATABASE shop OWNER avnadmin`);
    for (const role of ["app_rw", "svc", "plain"]) await cluster.adminSql(`CREATE ROLE ${role} LOGIN`);
    // Settings that are not pgaudit's must survive everything the provider does.
    await cluster.sql(`ALTER DATABASE shop SET work_mem = '8MB'`);
    await cluster.sql(`ALTER ROLE svc SET statement_timeout = '5s'`);
    await cluster.sql(`ALTER ROLE app_rw IN DATABASE shop SET work_mem = '16MB'`);
    host = await startHost();
});

after(async () => {
    for (const h of hosts) await h.close();
    await cluster?.stop();
});

/** Declares a PgAuditSetting as a program would and returns what the engine sends the host. */
function declare(name: string, args: PgAuditSettingArgs): Promise<Props> {
    return serializeUnderMocks(() => new PgAuditSetting(name, args));
}

/** Check as the engine does before create/update; insists it passes. */
async function checked(h: EngineHarness, urn: string, olds: Props, news: Props): Promise<Props> {
    const result = await h.check(urn, olds, news);
    assert.deepEqual(result.failures, [], "check failed");
    return result.inputs;
}

/** Server connections the host's pools opened (log_connections) since `offset`, by database. */
function hostConnections(offset: number): Record<string, number> {
    const text = fs.readFileSync(cluster.logFile).subarray(offset).toString("utf8");
    const counts: Record<string, number> = {};
    for (const m of text.matchAll(/connection authorized: user=\S+ database=(\S+) application_name=pulumi-aiven-pgaudit/g)) {
        counts[m[1]] = (counts[m[1]] ?? 0) + 1;
    }
    return counts;
}

interface ScopeCase {
    readonly title: string;
    readonly name: string;
    readonly id: string;
    readonly scope: { database?: string; role?: string };
    /** A new session that this scope's settings reach: [role, database]. */
    readonly session: [string, string];
    readonly connection: () => PgAuditSettingArgs["connection"];
    /** Entries that are not pgaudit's and must be left alone. */
    readonly others: string[];
}

const SCOPES: ScopeCase[] = [
    {
        title: "database",
        name: "host-db-shop",
        id: "database/shop",
        scope: { database: "shop" },
        session: ["plain", "shop"],
        connection: () => cluster.adminUri(),
        others: ["work_mem=8MB"],
    },
    {
        title: "role",
        name: "host-role-svc",
        id: "role/svc",
        scope: { role: "svc" },
        session: ["svc", "postgres"],
        connection: () => cluster.adminConnection(),
        others: ["statement_timeout=5s"],
    },
    {
        title: "role in database",
        name: "host-app-in-shop",
        id: "role/app_rw/database/shop",
        scope: { role: "app_rw", database: "shop" },
        session: ["app_rw", "shop"],
        connection: () => cluster.adminUri("postgres"),
        others: ["work_mem=16MB"],
    },
];

for (const c of SCOPES) {
    test(`${c.title} scope through the host: create → diff → update → refresh with drift → update → delete`, async () => {
        const urn = urnFor(c.name);
        const [role, database] = c.session;

        // create
        const v1 = await declare(c.name, { connection: c.connection(), ...c.scope, settings: { log: "DDL, role" } });
        const in1 = await checked(host, urn, {}, v1);
        const created = await host.create(urn, in1);
        assert.equal(created.id, c.id);
        assert.deepEqual(created.properties.settings, { log: ["ddl", "role"] });
        assert.equal(created.properties.__provider, v1.__provider, "the host keeps __provider in the outputs");
        assert.deepEqual(await catalogEntries(cluster, c.scope), [...c.others, "pgaudit.log=ddl,role"]);
        assert.equal(await showAs(cluster, role, database), "ddl,role");

        // the same program again: no change
        const again = await checked(host, urn, in1, await declare(c.name, { connection: c.connection(), ...c.scope, settings: { log: ["role", "ddl"] } }));
        assert.equal((await host.diff(urn, c.id, created.properties, again)).changes, "none", "same classes in another order is no change");

        // update
        const v2 = await declare(c.name, { connection: c.connection(), ...c.scope, settings: { log: ["write"], logCatalog: false } });
        const in2 = await checked(host, urn, in1, v2);
        assert.deepEqual(await host.diff(urn, c.id, created.properties, in2), { changes: "some", replaces: [], deleteBeforeReplace: false });
        const updated = await host.update(urn, c.id, created.properties, in2);
        assert.deepEqual(updated.properties.settings, { log: ["write"], logCatalog: false });
        assert.deepEqual(await catalogEntries(cluster, c.scope), [...c.others, "pgaudit.log=write", "pgaudit.log_catalog=off"]);
        assert.equal(await showAs(cluster, role, database), "write");

        // refresh with drift typed by hand
        await cluster.sql(
            `ALTER ${c.scope.role ? `ROLE ${c.scope.role}` : `DATABASE ${c.scope.database}`}${c.scope.role && c.scope.database ? ` IN DATABASE ${c.scope.database}` : ""} SET pgaudit.log = 'none'`,
        );
        const refreshed = await host.read(urn, c.id, updated.properties);
        assert.equal(refreshed.id, c.id);
        assert.deepEqual(refreshed.properties.settings, { log: ["none"], logCatalog: false }, "the returned properties show the drift");
        assert.equal(refreshed.properties.__provider, v1.__provider);
        assert.ok(refreshed.inputs, "read returns inputs for the next diff");
        assert.deepEqual(refreshed.inputs.settings, { log: ["none"], logCatalog: false });
        assert.equal(refreshed.inputs.__provider, v1.__provider);
        // The next `pulumi up`: check against the refreshed inputs, diff against the refreshed outputs.
        const in3 = await checked(host, urn, refreshed.inputs, v2);
        assert.equal((await host.diff(urn, c.id, refreshed.properties, in3)).changes, "some", "the next preview shows the drift");
        const converged = await host.update(urn, c.id, refreshed.properties, in3);
        assert.deepEqual(await catalogEntries(cluster, c.scope), [...c.others, "pgaudit.log=write", "pgaudit.log_catalog=off"]);
        const reread = await host.read(urn, c.id, converged.properties);
        assert.equal((await host.diff(urn, c.id, reread.properties, in3)).changes, "none", "converged");

        // delete
        await host.delete(urn, c.id, reread.properties, reread.inputs);
        assert.deepEqual(await catalogEntries(cluster, c.scope), c.others, "only pgaudit entries are reset");
        assert.equal(await showAs(cluster, role, database), "none");
    });
}

describe("credentials", () => {
    test("a password rotation is an update, and a later delete from a fresh host uses the new password", async () => {
        const passwordA = `A-${randomBytes(12).toString("hex")}`;
        const passwordB = `B-${randomBytes(12).toString("hex")}`;
        await cluster.sql(`CREATE ROLE rotator LOGIN CREATEROLE PASSWORD '${passwordA}'`);
        await cluster.sql(`GRANT SET ON PARAMETER pgaudit.log TO rotator`);
        await cluster.sql(`GRANT plain TO rotator WITH ADMIN OPTION`); // 16+: altering a role needs ADMIN OPTION on it
        // avnadmin's owner records (created by an earlier test): another admin role needs a grant to share them.
        await cluster.adminSql(
            `GRANT USAGE ON SCHEMA pulumi_aiven_pgaudit TO rotator; GRANT SELECT, INSERT, UPDATE, DELETE ON pulumi_aiven_pgaudit.scope_owner TO rotator`,
        );
        const conn = (password: string) => ({ ...cluster.adminConnection(), user: "rotator", password });
        const name = "host-rotated";
        const urn = urnFor(name);

        const vA = await declare(name, { connection: conn(passwordA), role: "plain", settings: { log: ["ddl"] } });
        const inA = await checked(host, urn, {}, vA);
        const created = await host.create(urn, inA);
        await cluster.sql(`ALTER ROLE rotator PASSWORD '${passwordB}'`);

        const vB = await declare(name, { connection: conn(passwordB), role: "plain", settings: { log: ["ddl"] } });
        const inB = await checked(host, urn, inA, vB);
        assert.deepEqual(await host.diff(urn, created.id, created.properties, inB), { changes: "some", replaces: [], deleteBeforeReplace: false });
        const updated = await host.update(urn, created.id, created.properties, inB);
        assert.equal((updated.properties.connection as { password: string }).password, passwordB, "state now holds the new password");

        // A later `pulumi destroy` runs a fresh host process with the state: no pooled session helps.
        await host.close();
        host = await startHost();
        // The old state would fail (this is what a connection change that was not an update would leave):
        const fresh = await startHost();
        await assert.rejects(fresh.delete(urn, created.id, created.properties), (err: Error) => {
            assert.match(err.message, /28P01|password authentication failed/);
            assert.ok(!err.message.includes(passwordA) && !err.message.includes(passwordB), err.message);
            return true;
        });
        await fresh.close();
        assert.deepEqual(await catalogEntries(cluster, { role: "plain" }), ["pgaudit.log=ddl"], "nothing was reset with stale credentials");

        await host.delete(urn, created.id, updated.properties, inB);
        assert.deepEqual(await catalogEntries(cluster, { role: "plain" }), []);

        // Neither password reached anything the engine shows the user.
        await host.close();
        host = await startHost();
        for (const h of hosts.slice(0, -1)) {
            for (const [what, text] of [
                ["stderr", h.stderr],
                ["stdout", h.stdout],
                ["logs", JSON.stringify(h.logs)],
            ]) {
                assert.ok(!text.includes(passwordA) && !text.includes(passwordB), `a password reached the host's ${what}`);
            }
        }
        assert.ok(
            hosts.some((h) => /password authentication failed/.test(h.stderr)),
            "the failed delete was reported on stderr (so stderr was looked at)",
        );
    });
});

describe("faults", () => {
    test("a create that fails part-way through the host leaves no half-written scope", async () => {
        await cluster.sql(`REVOKE SET ON PARAMETER pgaudit.log_rows FROM avnadmin`);
        try {
            const name = "host-half";
            const urn = urnFor(name);
            const inputs = await checked(
                host,
                urn,
                {},
                await declare(name, { connection: cluster.adminUri(), role: "plain", settings: { log: ["ddl"], logRows: true } }),
            );
            await assert.rejects(host.create(urn, inputs), (err: Error) => {
                // The message is the gRPC status details: what `pulumi up` prints.
                assert.match(err.message, /lacks GRANT SET ON PARAMETER pgaudit\.log_rows/);
                assert.match(err.message, /SQLSTATE 42501/);
                assert.ok(!err.message.includes(cluster.admin.password));
                return true;
            });
            assert.deepEqual(await catalogEntries(cluster, { role: "plain" }), [], "pgaudit.log was rolled back too");
        } finally {
            await cluster.sql(`GRANT SET ON PARAMETER pgaudit.log_rows TO avnadmin`);
        }
    });

    test("a refresh after the role was dropped tells the engine the resource is gone, and delete succeeds", async () => {
        await cluster.adminSql(`CREATE ROLE doomed LOGIN`);
        const name = "host-doomed";
        const urn = urnFor(name);
        const inputs = await checked(host, urn, {}, await declare(name, { connection: cluster.adminUri(), role: "doomed", settings: { log: ["all"] } }));
        const created = await host.create(urn, inputs);
        await cluster.sql(`DROP ROLE doomed`);
        const read = await host.read(urn, created.id, created.properties);
        // An empty id is how the engine learns that a refreshed resource no longer exists.
        assert.equal(read.id, "");
        assert.deepEqual(Object.keys(read.properties), ["__provider"]);
        assert.equal(read.inputs, undefined);
        await host.delete(urn, created.id, created.properties, inputs);
    });

    test("check failures reach the engine as property failures, before any connection", async () => {
        const name = "host-invalid";
        const urn = urnFor(name);
        const offset = cluster.logOffset();
        // The constructor refuses "dll" itself now; check is still the authority at preview (for a
        // value that was an Output, say), so the engine's inputs are edited after construction.
        const inputs = { ...(await declare(name, { connection: cluster.adminUri(), role: "plain", settings: { log: ["ddl"] } })), settings: { log: ["dll"] } };
        const result = await host.check(urn, {}, inputs);
        assert.equal(result.failures.length, 1, JSON.stringify(result.failures));
        assert.match(result.failures[0].property, /^settings\.log/);
        assert.match(result.failures[0].reason, /dll/);
        assert.deepEqual(hostConnections(offset), {});
    });
});

describe("the engine's parallelism", () => {
    test("ten operations in flight on a fresh host all apply, over at most two server connections", async () => {
        const roles = Array.from({ length: 30 }, (_, i) => `par_${i}`);
        await cluster.adminSql(roles.map((r) => `CREATE ROLE ${r} LOGIN;`).join("\n"));
        const declared = await Promise.all(
            roles.map((r) => declare(`host-par-${r}`, { connection: cluster.adminUri(), role: r, settings: { log: ["write"], logRelation: true } })),
        );
        const h = await startHost();
        const offset = cluster.logOffset();
        const states: { urn: string; id: string; properties: Props }[] = [];
        await inFlight(10, declared, async (inputs, i) => {
            const urn = urnFor(`host-par-${roles[i]}`);
            const created = await h.create(urn, await checked(h, urn, {}, inputs));
            states[i] = { urn, ...created };
        });
        const opened = hostConnections(offset);
        for (const r of roles) assert.deepEqual(await catalogEntries(cluster, { role: r }), ["pgaudit.log=write", "pgaudit.log_relation=on"], r);
        assert.deepEqual(Object.keys(opened), ["postgres"], JSON.stringify(opened));
        assert.ok(opened.postgres >= 1 && opened.postgres <= 2, `the host opened ${opened.postgres} connections`);
        await inFlight(10, states, (s) => h.delete(s.urn, s.id, s.properties));
        for (const r of roles) assert.deepEqual(await catalogEntries(cluster, { role: r }), [], r);
        assert.equal(h.calls.create, roles.length);
        assert.equal(h.calls.delete, roles.length);
    });
});

/** Runs `work` over `items` with at most `limit` in flight, as the engine's step executor does. */
async function inFlight<T>(limit: number, items: readonly T[], work: (item: T, index: number) => Promise<unknown>): Promise<void> {
    let next = 0;
    const worker = async () => {
        while (next < items.length) {
            const i = next++;
            await work(items[i], i);
        }
    };
    await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
