/**
 * PgAuditScopes the way `pulumi up` runs it: constructed under Pulumi mocks (the real serialized
 * `__provider`), every operation over gRPC to the SDK's own dynamic-provider host, against
 * PostgreSQL + pgaudit (15, and 17 in the test matrix), connected as the non-superuser avnadmin. The server logs every
 * statement and connection, so the tests can count what one operation sends.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import { after, before, describe, test } from "node:test";
import { escapeIdentifier } from "pg";
import { PgAuditScopes, type PgAuditScopesArgs } from "../../../provider";
import { startCluster, type TestCluster } from "../../../sandbox/cluster";
import { EngineHarness, type Props } from "../../support/engineHarness";
import { catalogEntries, showAs, wholeCatalog } from "../../support/scopes";
import { destroy, refresh, scopeMapOf, SCOPES_TYPE, up, type Deployed } from "../../support/scopesStack";

// max_prepared_transactions: the mid-apply stop holds a lock in a prepared transaction.
const SERVER_SETTINGS = { log_connections: "on", log_statement: "all", max_prepared_transactions: "2" };
let cluster: TestCluster;
let host: EngineHarness;

before(async () => {
    cluster = await startCluster({ settings: SERVER_SETTINGS });
    await cluster.sql(`CREATE DATABASE shop OWNER avnadmin`);
    await cluster.sql(`CREATE DATABASE theirs`); // owned by postgres: avnadmin may not ALTER DATABASE it
    // Application roles are avnadmin's, as aiven.PgUser makes them (16+: it holds ADMIN OPTION on them).
    for (const role of ["app", "svc", "rep"]) await cluster.adminSql(`CREATE ROLE ${role} LOGIN`);
    await cluster.sql(`ALTER DATABASE shop SET work_mem = '8MB'`);
    await cluster.sql(`ALTER ROLE svc SET statement_timeout = '5s'`);
    host = await EngineHarness.start();
    await host.configure();
});

after(async () => {
    await host?.close();
    await cluster?.stop();
});

const scopes = (name: string, args: Omit<PgAuditScopesArgs, "connection">) => () => new PgAuditScopes(name, { connection: cluster.adminUri(), ...args });
const upScopes = (name: string, args: Omit<PgAuditScopesArgs, "connection">, last?: Deployed) => up(host, SCOPES_TYPE, name, scopes(name, args), last);

/** What our sessions (application_name pulumi-aiven-pgaudit) did since `offset`: statements and new connections. */
function serverActivity(offset: number): { statements: string[]; connections: number } {
    const text = fs.readFileSync(cluster.logFile).subarray(offset).toString("utf8");
    const ours = text.split("\n").filter((l) => l.includes("app=pulumi-aiven-pgaudit"));
    return {
        statements: ours.filter((l) => /LOG:\s+(statement|execute [^:]*):/.test(l)).map((l) => l.replace(/^.*LOG:\s+/, "")),
        connections: text.split("\n").filter((l) => /connection authorized: .*application_name=pulumi-aiven-pgaudit/.test(l)).length,
    };
}

test("lifecycle: create, no-op, update (change, add, remove), delete; only pgaudit entries, all three kinds of scope", async () => {
    const name = "life";
    const v1 = {
        scopes: [
            { database: "shop", settings: { log: "DDL, role" } },
            { role: "svc", settings: { log: ["write"], logRelation: true } },
            { role: "app", database: "shop", settings: { log: ["read"], logLevel: "NOTICE" } },
        ],
    };
    const created = await upScopes(name, v1);
    assert.equal(created.step, "create");
    assert.equal(created.id, "pgaudit-scopes");
    assert.deepEqual(scopeMapOf(created.outputs.scopes), {
        "database/shop": "log=ddl,role",
        "role/svc": "log=write; logRelation=true",
        "role/app/database/shop": "log=read; logLevel=notice",
    });
    assert.equal(created.inputs.scopes, created.outputs.scopes, "inputs and outputs keep the same text");
    assert.deepEqual(await catalogEntries(cluster, { database: "shop" }), ["work_mem=8MB", "pgaudit.log=ddl,role"]);
    assert.deepEqual(await catalogEntries(cluster, { role: "svc" }), ["statement_timeout=5s", "pgaudit.log=write", "pgaudit.log_relation=on"]);
    assert.deepEqual(await catalogEntries(cluster, { role: "app", database: "shop" }), ["pgaudit.log=read", "pgaudit.log_level=notice"]);
    assert.equal(await showAs(cluster, "app", "shop"), "read");

    // The same declaration in another order, classes reordered: no change.
    const same = await upScopes(name, { scopes: [v1.scopes[2], v1.scopes[1], { database: "shop", settings: { log: ["role", "ddl"] } }] }, created);
    assert.equal(same.step, "same");

    const v2 = {
        scopes: [
            { database: "shop", settings: { log: ["ddl"] } }, // changed
            { role: "app", database: "shop", settings: { log: ["read"], logLevel: "notice" } }, // unchanged
            { role: "rep", settings: { log: ["all", "-misc"] } }, // added; role "svc" removed
        ],
    };
    const offset = cluster.logOffset();
    const updated = await upScopes(name, v2, same);
    assert.equal(updated.step, "update");
    assert.deepEqual(scopeMapOf(updated.outputs.scopes), {
        "database/shop": "log=ddl",
        "role/app/database/shop": "log=read; logLevel=notice",
        "role/rep": "log=all,-misc",
    });
    assert.deepEqual(await catalogEntries(cluster, { database: "shop" }), ["work_mem=8MB", "pgaudit.log=ddl"]);
    assert.deepEqual(await catalogEntries(cluster, { role: "svc" }), ["statement_timeout=5s"], "a scope removed from the list is reset");
    assert.deepEqual(await catalogEntries(cluster, { role: "rep" }), ["pgaudit.log=all,-misc"]);
    const activity = serverActivity(offset);
    assert.equal(activity.statements.filter((s) => /ALTER/.test(s)).length, 1, `all writes in one statement batch:\n${activity.statements.join("\n")}`);
    assert.ok(activity.statements.length <= 4, `facts, BEGIN, one read, one batch with COMMIT:\n${activity.statements.join("\n")}`);

    await destroy(host, updated);
    assert.deepEqual(await catalogEntries(cluster, { database: "shop" }), ["work_mem=8MB"]);
    assert.deepEqual(await catalogEntries(cluster, { role: "rep" }), []);
    assert.deepEqual(await catalogEntries(cluster, { role: "app", database: "shop" }), []);
});

test("drift: refresh reads every scope in one query (and their owner records in one more) and shows what was changed by hand; the next up puts the declaration back", async () => {
    await cluster.adminSql(`CREATE ROLE drifter LOGIN`);
    const name = "drift";
    const declared = {
        scopes: [
            { role: "app", settings: { log: ["ddl"] } },
            { role: "drifter", settings: { log: ["ddl"] } },
            { role: "svc", settings: { log: ["ddl"], logCatalog: false } },
        ],
    };
    const created = await upScopes(name, declared);
    await cluster.sql(`ALTER ROLE app SET pgaudit.log = 'none'`);
    await cluster.sql(`ALTER ROLE svc SET pgaudit.log_client = on`);
    await cluster.sql(`DROP ROLE drifter`);

    const offset = cluster.logOffset();
    const refreshed = await refresh(host, created);
    const reads = serverActivity(offset).statements;
    // The owner records of all scopes (with BEGIN and the owner lock), every scope, COMMIT: whatever their number.
    assert.equal(reads.length, 3, `one query for every scope:\n${reads.join("\n")}`);
    assert.match(reads[0], /^statement: BEGIN; SELECT pg_catalog\.pg_advisory_xact_lock\(.*FROM pulumi_aiven_pgaudit\.scope_owner WHERE scope = ANY/);
    assert.match(reads[2], /^statement: COMMIT$/);
    assert.deepEqual(
        scopeMapOf(refreshed.outputs.scopes),
        { "role/app": "log=none", "role/svc": "log=ddl; logCatalog=false; logClient=true" },
        "a dropped role's scope drops out",
    );
    assert.equal(refreshed.inputs.scopes, refreshed.outputs.scopes);

    await cluster.adminSql(`CREATE ROLE drifter LOGIN`);
    const converged = await upScopes(name, declared, refreshed);
    assert.equal(converged.step, "update", "the next preview shows the drift");
    assert.deepEqual(await catalogEntries(cluster, { role: "app" }), ["pgaudit.log=ddl"]);
    assert.deepEqual(await catalogEntries(cluster, { role: "svc" }), ["statement_timeout=5s", "pgaudit.log=ddl", "pgaudit.log_catalog=off"]);
    assert.deepEqual(await catalogEntries(cluster, { role: "drifter" }), ["pgaudit.log=ddl"], "the recreated role is declared again, without adopt");
    assert.equal((await upScopes(name, declared, await refresh(host, converged))).step, "same", "converged");
    await destroy(host, converged);
});

test("adoption: scopes that already hold other values stop create (all listed, nothing written) unless adopt", async () => {
    await cluster.adminSql(`CREATE ROLE owned_a LOGIN; CREATE ROLE owned_b LOGIN; CREATE ROLE fresh_c LOGIN`);
    await cluster.sql(`ALTER ROLE owned_a SET pgaudit.log = 'read'`);
    await cluster.sql(`ALTER ROLE owned_b SET pgaudit.log_rows = on`);
    const declared = {
        scopes: [
            { role: "fresh_c", settings: { log: ["ddl"] } },
            { role: "owned_a", settings: { log: ["ddl"] } },
            { role: "owned_b", settings: { log: ["ddl"] } },
        ],
    };
    const before = await wholeCatalog(cluster);
    await assert.rejects(upScopes("adopt", declared), (err: Error) => {
        assert.match(err.message, /changed nothing: 2 scope problem/);
        assert.match(err.message, /role "owned_a" already holds pgaudit\.log = 'read'/);
        assert.match(err.message, /role "owned_b" already holds pgaudit\.log_rows = 'on'/);
        assert.match(err.message, /set adopt: true/);
        return true;
    });
    assert.equal(await wholeCatalog(cluster), before, "fresh_c was not written either");

    const adopted = await upScopes("adopt", { ...declared, adopt: true });
    assert.deepEqual(await catalogEntries(cluster, { role: "owned_a" }), ["pgaudit.log=ddl"]);
    assert.deepEqual(await catalogEntries(cluster, { role: "owned_b" }), ["pgaudit.log=ddl"], "adopting resets what is not declared");

    // A scope added later is checked too; the scopes already owned are not.
    await cluster.adminSql(`CREATE ROLE later_d LOGIN`);
    await cluster.sql(`ALTER ROLE later_d SET pgaudit.log = 'all'`);
    await cluster.sql(`ALTER ROLE owned_a SET pgaudit.log = 'none'`);
    const more = { scopes: [...declared.scopes, { role: "later_d", settings: { log: ["ddl"] } }] };
    await assert.rejects(upScopes("adopt", more, adopted), (err: Error) => {
        assert.match(err.message, /1 scope problem/);
        assert.match(err.message, /role "later_d" already holds pgaudit\.log = 'all'/);
        return true;
    });
    assert.deepEqual(await catalogEntries(cluster, { role: "owned_a" }), ["pgaudit.log=none"], "the failed update changed nothing");
    const grown = await upScopes("adopt", { ...more, adopt: true }, adopted);
    assert.deepEqual(await catalogEntries(cluster, { role: "later_d" }), ["pgaudit.log=ddl"]);
    assert.deepEqual(await catalogEntries(cluster, { role: "owned_a" }), ["pgaudit.log=ddl"]);
    await destroy(host, grown);
});

describe("exclusive", () => {
    test("undeclared overrides are reset in the same transaction as the declared scopes, and show at refresh", async () => {
        await cluster.adminSql(`CREATE ROLE stray LOGIN; CREATE ROLE kept_x LOGIN`);
        await cluster.sql(`ALTER ROLE stray SET pgaudit.log = 'none'`);
        await cluster.sql(`ALTER ROLE stray SET search_path = 'keep'`);
        const declared = { exclusive: true, scopes: [{ role: "kept_x", settings: { log: ["ddl"] } }] };
        const created = await upScopes("excl", declared);
        assert.deepEqual(created.outputs.undeclared, []);
        assert.deepEqual(await catalogEntries(cluster, { role: "stray" }), ["search_path=keep"], "only pgaudit.* is reset");
        assert.deepEqual(await catalogEntries(cluster, { role: "kept_x" }), ["pgaudit.log=ddl"]);

        await cluster.sql(`ALTER ROLE stray SET pgaudit.log = 'none'`);
        const refreshed = await refresh(host, created);
        assert.deepEqual(refreshed.outputs.undeclared, [{ role: "stray", name: "pgaudit.log", value: "none", resettable: true }]);
        assert.equal(refreshed.inputs.undeclared, undefined, "undeclared is an output only");
        const next = await upScopes("excl", declared, refreshed);
        assert.equal(next.step, "update", "drift at an undeclared scope is a change");
        assert.deepEqual(await catalogEntries(cluster, { role: "stray" }), ["search_path=keep"]);
        await destroy(host, next);
    });

    test("an override avnadmin may not reset stops the whole apply under fail, and is listed under report", async () => {
        await cluster.sql(`CREATE ROLE boss SUPERUSER; ALTER ROLE boss SET pgaudit.log = 'none'`);
        await cluster.adminSql(`CREATE ROLE excl_y LOGIN; CREATE ROLE stray_y LOGIN`);
        await cluster.sql(`ALTER ROLE stray_y SET pgaudit.log = 'read'`);
        try {
            const declared = { exclusive: true, scopes: [{ role: "excl_y", settings: { log: ["ddl"] } }] };
            const before = await wholeCatalog(cluster);
            await assert.rejects(upScopes("excl-fail", declared), (err: Error) => {
                assert.match(err.message, /exclusive pgaudit mode cannot be enforced/);
                assert.match(err.message, /role "boss" is a superuser/);
                return true;
            });
            assert.equal(await wholeCatalog(cluster), before, "neither the declared scope nor the resettable override changed");
            const reported = await upScopes("excl-fail", { ...declared, onUnresettable: "report" });
            assert.deepEqual(
                (reported.outputs.undeclared as Props[]).map((o) => [o.role, o.resettable]),
                [["boss", false]],
            );
            assert.deepEqual(await catalogEntries(cluster, { role: "stray_y" }), []);
            assert.deepEqual(await catalogEntries(cluster, { role: "excl_y" }), ["pgaudit.log=ddl"]);
            await destroy(host, reported);
        } finally {
            await cluster.sql(`DROP ROLE boss`);
        }
    });

    test("a role avnadmin did not create: on 16+ the apply names its scope and the ADMIN OPTION fix, and exclusive mode lists its override as not resettable; on 15 both just work", async () => {
        await cluster.sql(`CREATE ROLE foreign_r LOGIN; ALTER ROLE foreign_r SET pgaudit.log = 'none'`); // the superuser's, not avnadmin's
        const from16 = cluster.major >= 16;
        const fix = /GRANT "foreign_r" TO "avnadmin" WITH ADMIN OPTION/;
        try {
            const declared = {
                scopes: [
                    { role: "app", settings: { log: ["ddl"] } },
                    { role: "foreign_r", database: "shop", settings: { log: ["write"] } },
                ],
            };
            const before = await wholeCatalog(cluster);
            if (from16) {
                await assert.rejects(upScopes("foreign", declared), (err: Error) => {
                    assert.match(err.message, /applying the pgaudit settings of role "foreign_r" in database "shop" failed: permission denied to alter role/);
                    assert.match(err.message, /PostgreSQL 16\+ requires ADMIN OPTION on it/);
                    assert.match(err.message, fix);
                    assert.match(err.message, /no scope of this PgAuditScopes changed/);
                    assert.match(err.message, /SQLSTATE 42501/);
                    return true;
                });
                assert.equal(await wholeCatalog(cluster), before, "role app's scope was rolled back with it");
            } else {
                const created = await upScopes("foreign", declared);
                assert.deepEqual(await catalogEntries(cluster, { role: "foreign_r", database: "shop" }), ["pgaudit.log=write"]);
                await destroy(host, created);
                assert.equal(await wholeCatalog(cluster), before);
            }

            const exclusive = { exclusive: true, scopes: [declared.scopes[0]] };
            if (from16) {
                await assert.rejects(upScopes("foreign-excl", exclusive), (err: Error) => {
                    assert.match(err.message, /exclusive pgaudit mode cannot be enforced/);
                    assert.match(err.message, /pgaudit\.log = "none" at role "foreign_r": PostgreSQL 16\+ needs ADMIN OPTION on role "foreign_r"/);
                    assert.match(err.message, fix);
                    return true;
                });
                assert.equal(await wholeCatalog(cluster), before, "nothing was written");
                const reported = await upScopes("foreign-excl", { ...exclusive, onUnresettable: "report" });
                const left = reported.outputs.undeclared as Props[];
                assert.deepEqual(
                    left.map((o) => [o.role, o.name, o.value, o.resettable]),
                    [["foreign_r", "pgaudit.log", "none", false]],
                );
                assert.match(String(left[0].reason), fix);
                assert.deepEqual(await catalogEntries(cluster, { role: "app" }), ["pgaudit.log=ddl"]);
                assert.deepEqual(await catalogEntries(cluster, { role: "foreign_r" }), ["pgaudit.log=none"]);
                await destroy(host, reported);
            } else {
                const created = await upScopes("foreign-excl", exclusive);
                assert.deepEqual(created.outputs.undeclared, []);
                assert.deepEqual(await catalogEntries(cluster, { role: "foreign_r" }), [], "CREATEROLE alone may reset it on 15");
                await destroy(host, created);
            }
        } finally {
            await cluster.sql(`DROP ROLE foreign_r`);
        }
    });
});

describe("all or nothing", () => {
    before(async () => {
        await cluster.adminSql(Array.from({ length: 60 }, (_, i) => `CREATE ROLE batch_${i} LOGIN;`).join("\n"));
    });
    const batch = (log: string[], extra: { database?: string; role?: string }[] = []) => ({
        scopes: [
            ...Array.from({ length: 60 }, (_, i) => ({ role: `batch_${i}`, settings: { log } })),
            ...extra.map((where) => ({ ...where, settings: { log } })),
        ],
    });

    test("a scope whose role does not exist: nothing is written, the error names the scope and the fix", async () => {
        const before = await wholeCatalog(cluster);
        await assert.rejects(upScopes("missing", batch(["ddl"], [{ role: "nobody" }, { role: "app", database: "no_such_db" }])), (err: Error) => {
            assert.match(err.message, /changed nothing: 2 scope problem/);
            assert.match(err.message, /role "nobody" cannot hold settings: role "nobody" does not exist; create it first/);
            assert.match(err.message, /role "app" in database "no_such_db" cannot hold settings: database "no_such_db" does not exist/);
            return true;
        });
        assert.equal(await wholeCatalog(cluster), before);
    });

    test("a permission error on one scope rolls back every other scope; the error names it, its SQLSTATE and the fix", async () => {
        const before = await wholeCatalog(cluster);
        await assert.rejects(upScopes("denied", batch(["ddl"], [{ database: "theirs" }])), (err: Error) => {
            assert.match(err.message, /applying the pgaudit settings of database "theirs" failed: must be owner of database theirs/);
            assert.match(err.message, /declare the setting per role in that database/);
            assert.match(err.message, /no scope of this PgAuditScopes changed/);
            assert.match(err.message, /SQLSTATE 42501/);
            assert.ok(!err.message.includes(cluster.admin.password));
            return true;
        });
        assert.equal(await wholeCatalog(cluster), before, "the 60 role scopes before it were rolled back");
    });

    test("the server stopped mid-apply: no scope changed, the error names the scope in flight; a rerun converges", async () => {
        const created = await upScopes("stopped", batch(["ddl"]));
        const before = await wholeCatalog(cluster);
        // A prepared transaction holding batch_30's catalog row makes the update stop there, 30
        // scopes in. Prepared, it outlives the stop: a session holding it could die first in the
        // shutdown and let the update commit before its own session is ended.
        const blocker = await cluster.connectAs("postgres", "postgres");
        await blocker.query(`BEGIN; ALTER ROLE batch_30 SET pgaudit.log = 'read'; PREPARE TRANSACTION 'hold_batch_30'`);
        await blocker.end();
        try {
            const outcome = upScopes("stopped", batch(["write"]), created).then(
                () => undefined,
                (err: Error) => err,
            );
            for (let i = 0; ; i++) {
                const [{ n }] = await cluster.sql<{ n: number }>(
                    `SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'pulumi-aiven-pgaudit' AND wait_event_type = 'Lock'`,
                );
                if (n > 0) break;
                assert.ok(i < 400, "the update never reached batch_30");
                await new Promise((r) => setTimeout(r, 25));
            }
            await cluster.restart({ settings: SERVER_SETTINGS });
            const err = await outcome;
            assert.ok(err instanceof Error, "the update failed");
            assert.match(err.message, /applying the pgaudit settings of role "batch_30" failed/);
            assert.match(err.message, /no scope of this PgAuditScopes changed; fix the cause and run pulumi up again/);
        } finally {
            await cluster.sql(`ROLLBACK PREPARED 'hold_batch_30'`);
        }
        assert.equal(await wholeCatalog(cluster), before, "batch_0 … batch_29 were rolled back with the rest");

        const rerun = await upScopes("stopped", batch(["write"]), created);
        assert.equal(rerun.step, "update");
        for (const i of [0, 30, 59]) assert.deepEqual(await catalogEntries(cluster, { role: `batch_${i}` }), ["pgaudit.log=write"]);
        await destroy(host, rerun);
        assert.deepEqual(await catalogEntries(cluster, { role: "batch_30" }), []);
        // The lost session's socket closing was no uncaught exception in the provider host (which
        // would print it to the user and fail the run); its stderr came before the answers since.
        assert.doesNotMatch(host.stderr, /Connection terminated unexpectedly/);
    });
});

test("hostile names round-trip through the scope keys and the SQL, and change only their own scopes", async () => {
    const names = [`a"b`, `a'b; DROP ROLE avnadmin; --`, `sl/ash`, `per%cent`, `role/x/database/y`, `new\nline`, `ünï 🎉`, "x".repeat(63)];
    for (const n of names) {
        await cluster.adminSql(`CREATE ROLE ${escapeIdentifier(n)} LOGIN`);
        await cluster.sql(`CREATE DATABASE ${escapeIdentifier(n)} OWNER avnadmin`);
    }
    const declared = {
        scopes: names.flatMap((n) => [
            { database: n, settings: { log: ["ddl"] } },
            { role: n, settings: { log: ["read"] } },
            { role: n, database: n, settings: { log: ["write"], role: n } },
        ]),
    };
    const before = await wholeCatalog(cluster);
    const created = await upScopes("hostile", declared);
    assert.equal(Object.keys(scopeMapOf(created.outputs.scopes)).length, names.length * 3, "no two scopes share a key");
    for (const n of names) {
        assert.deepEqual(await catalogEntries(cluster, { database: n }), ["pgaudit.log=ddl"], n);
        assert.deepEqual(await catalogEntries(cluster, { role: n }), ["pgaudit.log=read"], n);
        assert.deepEqual(await catalogEntries(cluster, { role: n, database: n }), ["pgaudit.log=write", `pgaudit.role=${n}`], n);
    }
    const refreshed = await refresh(host, created);
    assert.deepEqual(refreshed.outputs.scopes, created.outputs.scopes, "every key and settings line reads back the same");
    assert.equal((await upScopes("hostile", declared, refreshed)).step, "same");
    await destroy(host, refreshed);
    assert.equal(await wholeCatalog(cluster), before);
});

test("200 scopes: create, refresh, change-all and delete each on one connection, in one transaction, state under 300 bytes a scope", async (t) => {
    await cluster.adminSql(Array.from({ length: 200 }, (_, i) => `CREATE ROLE many_${String(i).padStart(3, "0")} LOGIN;`).join("\n"));
    const declared = (n: number, log: string[]) => ({
        scopes: Array.from({ length: n }, (_, i) => ({ role: `many_${String(i).padStart(3, "0")}`, settings: { log, logRelation: true } })),
    });
    const fresh = await EngineHarness.start();
    await fresh.configure();
    try {
        const offset = cluster.logOffset();
        const run = async (name: string, n: number) => {
            const made = await up(fresh, SCOPES_TYPE, name, scopes(name, declared(n, ["ddl", "role"])));
            const read = await refresh(fresh, made);
            const changed = await up(fresh, SCOPES_TYPE, name, scopes(name, declared(n, ["write"])), read);
            assert.equal(changed.step, "update");
            return changed;
        };
        const small = await run("many-100", 100);
        await destroy(fresh, small);
        const big = await run("many-200", 200);
        const activity = serverActivity(offset);
        assert.ok(activity.connections <= 2, `${activity.connections} server connections`);
        for (const i of [0, 199])
            assert.deepEqual(await catalogEntries(cluster, { role: `many_${String(i).padStart(3, "0")}` }), ["pgaudit.log=write", "pgaudit.log_relation=on"]);

        // The checkpoint keeps inputs and outputs of each resource, indented 4 spaces (as the file backend writes it).
        const checkpointBytes = (d: Deployed) =>
            Buffer.byteLength(JSON.stringify({ checkpoint: { latest: { resources: [{ urn: d.urn, inputs: d.inputs, outputs: d.outputs }] } } }, null, 4));
        const perScope = (checkpointBytes(big) - checkpointBytes(small)) / 100;
        const fixed = checkpointBytes(small) - 100 * perScope;
        assert.ok(perScope < 300, `${perScope} bytes per scope`);
        // The fixed part is mostly __provider (at most 2 KB) and the connection, each kept in inputs and outputs.
        assert.ok(fixed > 0 && fixed < 8192, `a fixed part of ${fixed} bytes: growth is linear`);
        t.diagnostic(`checkpoint: ${fixed} bytes fixed + ${perScope} bytes per scope`);
        await destroy(fresh, big);
        assert.deepEqual(await catalogEntries(cluster, { role: "many_199" }), []);
    } finally {
        await fresh.close();
    }
});
