/**
 * Aiven's permission model, emulated: avnadmin is no superuser and holds GRANT SET ON PARAMETER
 * on pgaudit.*. Each refusal comes back with its SQLSTATE and a sentence that says what to do,
 * and leaves the scope's other settings as they were. Also: connecting (retries, refused
 * logins, no pgaudit) without ever showing the password.
 */
import assert from "node:assert/strict";
import net from "node:net";
import { after, before, describe, test } from "node:test";
import { closeAllPools, pgAuditSettingProvider as provider } from "../../../provider";
import { assertServerSupports } from "../../../provider/core/scopePlan";
import { startCluster, type TestCluster } from "../../../sandbox/cluster";
import { catalogEntries, checked } from "../../support/scopes";

let cluster: TestCluster;
before(async () => {
    cluster = await startCluster();
    await cluster.sql(`CREATE DATABASE not_mine`); // owned by postgres, as a database avnadmin did not create
    await cluster.sql(`ALTER DATABASE not_mine SET work_mem = '4MB'`);
    await cluster.adminSql(`CREATE ROLE app LOGIN`);
    await cluster.sql(`ALTER ROLE app SET search_path = 'public'`);
    await cluster.sql(`CREATE ROLE boss SUPERUSER LOGIN`);
    await cluster.sql(`ALTER ROLE boss SET work_mem = '2MB'`);
    // A role like avnadmin, but without the parameter grants.
    await cluster.sql(`CREATE ROLE ungranted LOGIN CREATEROLE PASSWORD 'ungranted-pw'`);
    await cluster.sql(`GRANT app TO ungranted WITH ADMIN OPTION`); // on 16+ so that only the parameter grant is missing
});
after(async () => {
    await closeAllPools();
    await cluster.stop();
});

function rejectsWith(sqlState: string | undefined, pattern: RegExp) {
    return (err: Error & { sqlState?: string }) => {
        assert.equal(err.sqlState, sqlState, err.message);
        assert.match(err.message, pattern);
        return true;
    };
}

describe("Aiven permission errors", () => {
    test("a database avnadmin does not own: 42501 and the ways out", async () => {
        const inputs = await checked({ connection: cluster.adminUri(), database: "not_mine", settings: { log: ["ddl"] } });
        await assert.rejects(
            provider.create(inputs),
            rejectsWith("42501", /does not own database "not_mine".*ALTER DATABASE … OWNER TO "avnadmin".*per role in that database/),
        );
        assert.deepEqual(await catalogEntries(cluster, { database: "not_mine" }), ["work_mem=4MB"]);
        // The way out it names works without ownership.
        const perRole = await provider.create(await checked({ connection: cluster.adminUri(), role: "app", database: "not_mine", settings: { log: ["ddl"] } }));
        assert.deepEqual(await catalogEntries(cluster, { role: "app", database: "not_mine" }), ["pgaudit.log=ddl"]);
        await provider.delete!(perRole.id, perRole.outs);
    });

    test("a superuser target: 42501, declare it for a non-superuser role", async () => {
        const inputs = await checked({ connection: cluster.adminUri(), role: "boss", settings: { log: ["all"] } });
        await assert.rejects(provider.create(inputs), rejectsWith("42501", /target role is a superuser.*declare the setting for a non-superuser role/));
        assert.deepEqual(await catalogEntries(cluster, { role: "boss" }), ["work_mem=2MB"]);
    });

    test("no GRANT SET ON PARAMETER: 42501, enable pgaudit on the service or grant it", async () => {
        const connection = { ...cluster.adminConnection(), user: "ungranted", password: "ungranted-pw" };
        // Sharing avnadmin's owner records (made by the first test) is granted: only the parameter grant is missing.
        await cluster.adminSql(
            `GRANT USAGE ON SCHEMA pulumi_aiven_pgaudit TO ungranted; GRANT SELECT, INSERT, UPDATE, DELETE ON pulumi_aiven_pgaudit.scope_owner TO ungranted`,
        );
        const inputs = await checked({ connection, role: "app", settings: { log: ["ddl"] } });
        await assert.rejects(
            provider.create(inputs),
            rejectsWith("42501", /"ungranted" may not set pgaudit\.log: it lacks GRANT SET ON PARAMETER pgaudit\.log.*featureEnabled = true/),
        );
        assert.deepEqual(await catalogEntries(cluster, { role: "app" }), ["search_path=public"]);
    });

    test("a superuser connection may do what avnadmin may not", async () => {
        await cluster.sql(`ALTER ROLE postgres PASSWORD 'postgres-pw'`);
        const connection = { ...cluster.adminConnection(), user: "postgres", password: "postgres-pw" };
        const made = await provider.create(await checked({ connection, role: "boss", settings: { log: ["all"] } }));
        assert.deepEqual(await catalogEntries(cluster, { role: "boss" }), ["work_mem=2MB", "pgaudit.log=all"]);
        await provider.delete!(made.id, made.outs);
        assert.deepEqual(await catalogEntries(cluster, { role: "boss" }), ["work_mem=2MB"]);
    });
});

describe("the server must be able to hold the settings", () => {
    const facts = { versionNum: 150004, version: "15.4", currentUser: "avnadmin", superuser: false, pgauditParameters: ["pgaudit.log"] };

    test("PostgreSQL below 15 without a superuser: upgrade the service", () => {
        assert.throws(
            () => assertServerSupports({ ...facts, versionNum: 140011, version: "14.11" }, ["log"]),
            /need PostgreSQL 15\+.*this server is 14\.11.*upgrade the service/,
        );
        // A superuser on 14 can still set them.
        assert.doesNotThrow(() => assertServerSupports({ ...facts, versionNum: 140011, superuser: true }, ["log"]));
        assert.doesNotThrow(() => assertServerSupports(facts, ["log"]));
    });

    test("pgaudit not loaded: enable it on the service first (measured on a server without it)", async () => {
        await closeAllPools();
        await cluster.restart({ pgaudit: false });
        try {
            const inputs = await checked({ connection: cluster.adminUri(), role: "app", settings: { log: ["ddl"] } });
            await assert.rejects(provider.create(inputs), /pgaudit is not loaded on this server.*enable pgaudit on the service first/);
            assert.deepEqual(await catalogEntries(cluster, { role: "app" }), ["search_path=public"]);
        } finally {
            await closeAllPools();
            await cluster.restart({ pgaudit: true });
        }
    });
});

describe("connecting", () => {
    test("a wrong password is refused with advice, and the password appears nowhere", async () => {
        const password = "Wr0ng-Secret-Value";
        const inputs = await checked({ connection: { ...cluster.adminConnection(), password }, role: "app", settings: { log: ["ddl"] } });
        await assert.rejects(provider.create(inputs), (err: Error & { sqlState?: string }) => {
            assert.equal(err.sqlState, "28P01");
            assert.match(err.message, /could not connect to avnadmin@127\.0\.0\.1:\d+\/postgres/);
            assert.ok(!err.message.includes(password) && !(err.stack ?? "").includes(password));
            return true;
        });
    });

    test("a server that is not up yet is retried until it is, within the deadline", async () => {
        // A port that refuses connections for a while, then forwards to the cluster.
        const port = await freePort();
        const inputs = await checked({
            connection: { ...cluster.adminConnection(), port },
            role: "app",
            settings: { log: ["write"] },
            connectDeadlineSeconds: 20,
        });
        let proxy: net.Server | undefined;
        const opening = setTimeout(() => {
            proxy = net.createServer((socket) => socket.pipe(net.connect(cluster.port, "127.0.0.1")).pipe(socket)).listen(port, "127.0.0.1");
        }, 1200);
        try {
            const made = await provider.create(inputs);
            assert.ok(proxy, "the create waited for the server");
            assert.deepEqual(await catalogEntries(cluster, { role: "app" }), ["search_path=public", "pgaudit.log=write"]);
            await provider.delete!(made.id, made.outs);
        } finally {
            clearTimeout(opening);
            await closeAllPools();
            await new Promise((resolve) => (proxy ? proxy.close(resolve) : resolve(undefined)));
        }
    });

    test("a server that stays down fails at the deadline, saying how to wait longer", async () => {
        const port = await freePort();
        const inputs = await checked({
            connection: { ...cluster.adminConnection(), port },
            role: "app",
            settings: { log: ["write"] },
            connectDeadlineSeconds: 1,
        });
        const started = Date.now();
        await assert.rejects(
            provider.create(inputs),
            /could not connect to .* after \d+ attempts in 1s \(raise connectDeadlineSeconds for a slower start\): .*ECONNREFUSED/,
        );
        assert.ok(Date.now() - started < 5000, "bounded by the deadline");
    });
});

function freePort(): Promise<number> {
    return new Promise((resolve, reject) => {
        const server = net.createServer().listen(0, "127.0.0.1", () => {
            const { port } = server.address() as net.AddressInfo;
            server.close(() => resolve(port));
        });
        server.on("error", reject);
    });
}
