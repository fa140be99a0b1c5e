/**
 * What changes for avnadmin (CREATEROLE, no superuser) from PostgreSQL 16 on: `ALTER ROLE r SET`
 * (and `IN DATABASE`, and RESET) needs ADMIN OPTION on r, which avnadmin holds implicitly only on
 * the roles it created. The test matrix runs this file on 15, 17 and 18: on 15 CREATEROLE alone
 * suffices, so the same steps pass without any grant; on 17 and 18 they fail, write nothing, say
 * the fix, and pass after it. Also pgaudit 16+'s log_parameter_max_size, written and read back.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { closeAllPools } from "../../../provider";
import { pgAuditExclusiveProvider as exclusive, pgAuditSettingProvider as provider } from "../../support/providers";
import { startCluster, type TestCluster } from "../../../sandbox/cluster";
import { catalogEntries, checked, showAs } from "../../support/scopes";

let cluster: TestCluster;
let from16: boolean;

before(async () => {
    cluster = await startCluster();
    from16 = cluster.major >= 16;
    await cluster.sql(`CREATE DATABASE shop OWNER avnadmin`);
    await cluster.adminSql(`CREATE ROLE made_here LOGIN`); // as aiven.PgUser or avnadmin would
    await cluster.sql(`CREATE ROLE theirs LOGIN`); // by someone else: the superuser
    await cluster.sql(`ALTER ROLE theirs SET work_mem = '4MB'`); // not pgaudit's: must survive everything
    await cluster.sql(`GRANT ALL ON SCHEMA public TO PUBLIC`, [], "shop");
    await cluster.sql(`CREATE TABLE notes(note text)`, [], "shop");
    await cluster.sql(`GRANT INSERT ON notes TO made_here`, [], "shop");
});

after(async () => {
    await closeAllPools();
    await cluster.stop();
});

const grantAdminOption = () => cluster.sql(`GRANT theirs TO avnadmin WITH ADMIN OPTION`);
const revokeAdminOption = () => cluster.sql(`REVOKE theirs FROM avnadmin`);

/** The provider's message for a role avnadmin lacks ADMIN OPTION on, as measured on 17 and 18. */
const NEEDS_ADMIN_OPTION =
    /permission denied to alter role: "avnadmin" may not alter role "theirs": PostgreSQL 16\+ requires ADMIN OPTION on it .*Fix: GRANT "theirs" TO "avnadmin" WITH ADMIN OPTION/;

function refusedForAdminOption(err: Error & { sqlState?: string }): boolean {
    assert.equal(err.sqlState, "42501", err.message);
    assert.match(err.message, NEEDS_ADMIN_OPTION);
    return true;
}

const SCOPES = [{ role: "theirs" }, { role: "theirs", database: "shop" }] as const;

describe("ADMIN OPTION (PostgreSQL 16+)", () => {
    test("a role avnadmin created is managed at role and role-in-database scope without any grant", async () => {
        for (const scope of [{ role: "made_here" }, { role: "made_here", database: "shop" }]) {
            const created = await provider.create(await checked({ connection: cluster.adminUri(), ...scope, settings: { log: ["ddl"] } }));
            assert.deepEqual(await catalogEntries(cluster, scope), ["pgaudit.log=ddl"]);
            assert.equal(await showAs(cluster, "made_here", "shop"), "ddl");
            const news = await checked({ connection: cluster.adminUri(), ...scope, settings: { log: ["write"] } });
            const updated = await provider.update(created.id, created.outs, news);
            assert.deepEqual(await catalogEntries(cluster, scope), ["pgaudit.log=write"]);
            await provider.delete(created.id, updated.outs);
            assert.deepEqual(await catalogEntries(cluster, scope), []);
        }
        // Why no grant was needed: from 16 on, creating a role gives its creator ADMIN OPTION on it.
        const [membership] = await cluster.sql<{ admin: boolean }>(
            `SELECT EXISTS (SELECT 1 FROM pg_auth_members WHERE roleid = 'made_here'::regrole AND member = 'avnadmin'::regrole AND admin_option) AS admin`,
        );
        assert.equal(membership.admin, from16);
    });

    test("a role someone else created: on 16+ create, update and delete fail with the fix and write nothing, then work after the grant; on 15 they just work", async () => {
        for (const scope of SCOPES) {
            const before = await catalogEntries(cluster, scope);
            const inputs = await checked({ connection: cluster.adminUri(), ...scope, settings: { log: ["ddl"] } });
            if (from16) {
                await assert.rejects(provider.create(inputs), refusedForAdminOption);
                assert.deepEqual(await catalogEntries(cluster, scope), before, "a refused create writes nothing");
                await grantAdminOption(); // the fix the message names
            }
            const created = await provider.create(inputs);
            assert.deepEqual(await catalogEntries(cluster, scope), [...before, "pgaudit.log=ddl"]);

            const news = await checked({ connection: cluster.adminUri(), ...scope, settings: { log: ["write", "role"] } });
            if (from16) {
                await revokeAdminOption();
                await assert.rejects(provider.update(created.id, created.outs, news), refusedForAdminOption);
                await assert.rejects(provider.delete(created.id, created.outs), refusedForAdminOption);
                assert.deepEqual(await catalogEntries(cluster, scope), [...before, "pgaudit.log=ddl"], "a refused update or delete writes nothing");
                await grantAdminOption();
            }
            const updated = await provider.update(created.id, created.outs, news);
            assert.deepEqual(await catalogEntries(cluster, scope), [...before, "pgaudit.log=write,role"]);
            await provider.delete(created.id, updated.outs);
            assert.deepEqual(await catalogEntries(cluster, scope), before);
            if (from16) await revokeAdminOption();
        }
    });

    test("exclusive mode: on 16+ an override on such a role is listed as not resettable with the same fix, and reset after the grant", async () => {
        await cluster.sql(`ALTER ROLE theirs SET pgaudit.log = 'none'`);
        const props = { connection: cluster.adminConnection(), declaredScopes: [] };
        const create = async (extra: Record<string, unknown> = {}) => {
            const result = await exclusive.check({}, { ...props, ...extra });
            assert.deepEqual(result.failures ?? [], []);
            return exclusive.create(result.inputs!);
        };
        if (from16) {
            await assert.rejects(create(), (err: Error) => {
                assert.match(err.message, /cannot be reset by the connecting role, so nothing was changed/);
                assert.match(
                    err.message,
                    /pgaudit\.log = "none" at role "theirs": PostgreSQL 16\+ needs ADMIN OPTION on role "theirs" .*GRANT "theirs" TO "avnadmin" WITH ADMIN OPTION/,
                );
                return true;
            });
            assert.deepEqual(await catalogEntries(cluster, { role: "theirs" }), ["work_mem=4MB", "pgaudit.log=none"]);
            const reported = await create({ onUnresettable: "report" });
            const left = reported.outs.undeclared as { role?: string; name: string; value: string; resettable: boolean; reason?: string }[];
            assert.deepEqual(
                left.map((o) => [o.role, o.name, o.value, o.resettable]),
                [["theirs", "pgaudit.log", "none", false]],
            );
            assert.match(left[0].reason!, /GRANT "theirs" TO "avnadmin" WITH ADMIN OPTION/);
            // The classification agrees with the server: avnadmin's own RESET is refused.
            await assert.rejects(cluster.adminSql(`ALTER ROLE theirs RESET pgaudit.log`), { code: "42501" });
            await grantAdminOption();
        }
        const created = await create();
        assert.deepEqual(created.outs.undeclared, []);
        assert.deepEqual(await catalogEntries(cluster, { role: "theirs" }), ["work_mem=4MB"]);
        if (from16) await revokeAdminOption();
    });
});

describe("logParameterMaxSize (pgaudit 16+)", () => {
    test("on 16+ it is written, read back, and pgaudit applies it; on 15 it is refused before anything is written", async () => {
        const scope = { role: "made_here", database: "shop" };
        const inputs = await checked({
            connection: cluster.adminUri(),
            ...scope,
            settings: { log: ["write"], logParameter: true, logParameterMaxSize: 8 },
        });
        if (!from16) {
            await assert.rejects(
                provider.create(inputs),
                /this server's pgaudit does not know settings\.logParameterMaxSize \(pgaudit\.log_parameter_max_size, which needs pgaudit 16\+/,
            );
            assert.deepEqual(await catalogEntries(cluster, scope), []);
            return;
        }
        const created = await provider.create(inputs);
        assert.deepEqual(await catalogEntries(cluster, scope), ["pgaudit.log=write", "pgaudit.log_parameter=on", "pgaudit.log_parameter_max_size=8"]);
        assert.equal(await showAs(cluster, "made_here", "shop", "pgaudit.log_parameter_max_size"), "8");
        const read = await provider.read(created.id, created.outs);
        assert.deepEqual(read.props!.settings, { log: ["write"], logParameter: true, logParameterMaxSize: 8 });
        assert.equal((await provider.diff(created.id, read.props!, inputs)).changes, false);

        // A session of that role: the short parameter is logged, the long one replaced.
        const app = `maxsize${process.pid}`;
        const offset = cluster.logOffset();
        const client = await cluster.connectAs("made_here", "shop", app);
        try {
            await client.query("INSERT INTO notes VALUES ($1), ($2)", ["short", "a parameter longer than eight bytes"]);
        } finally {
            await client.end();
        }
        const lines = await cluster.waitForAuditLines(offset, app);
        assert.equal(lines.length, 1, lines.join("\n"));
        // The parameter field is one CSV field: both parameters, quoted, the long one replaced.
        assert.match(lines[0], /AUDIT: SESSION,1,1,WRITE,INSERT,,,"INSERT INTO notes VALUES \(\$1\), \(\$2\)","short,<long param suppressed>"$/);

        await provider.delete(created.id, read.props!);
        assert.deepEqual(await catalogEntries(cluster, scope), []);
    });
});
