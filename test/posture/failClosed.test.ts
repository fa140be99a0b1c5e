// The gate fails closed on what it cannot read: a database the connecting role may not CONNECT to
// may hold the required table unaudited, so `--require-object` reports it instead of passing.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { closeAllPools } from "../../provider/connection";
import { EXIT_OK, EXIT_REQUIREMENT_VIOLATED, runPostureCli } from "../../posture/cli";
import { startCluster, type TestCluster } from "../../sandbox/cluster";

let cluster: TestCluster;

before(async () => {
    cluster = await startCluster();
    await cluster.adminSql("CREATE ROLE teller LOGIN; CREATE ROLE auditor NOLOGIN");
    await cluster.adminSql("CREATE DATABASE shop");
    await cluster.adminSql("ALTER DATABASE shop SET pgaudit.role = 'auditor'");
    await cluster.adminSql("CREATE TABLE public.cards(id int, pan text); GRANT SELECT ON public.cards TO auditor", [], "shop");
    // vault: the same table, unaudited; teller may connect, the gate's role may not.
    await cluster.sql("CREATE DATABASE vault");
    await cluster.sql("REVOKE CONNECT ON DATABASE vault FROM PUBLIC; GRANT CONNECT ON DATABASE vault TO teller");
    await cluster.sql("CREATE TABLE public.cards(id int, pan text)", [], "vault");
});
after(async () => {
    await closeAllPools();
    await cluster.stop();
});

async function gate(): Promise<{ code: number; out: string }> {
    let out = "";
    const code = await runPostureCli(
        ["--connection", cluster.adminUri("shop"), "--require-object", "public.cards:select"],
        {},
        {
            stdout: (t) => (out += t),
            stderr: (t) => (out += t),
            readFile: () => "",
        },
    );
    return { code, out };
}

test("--require-object: a database the gate may not CONNECT to is a finding, not a pass", async () => {
    const { code, out } = await gate();
    assert.equal(code, EXIT_REQUIREMENT_VIOLATED, out);
    assert.match(
        out,
        /database "vault": cannot verify public\.cards \(.*permission denied for database "vault".*\); run the check as a role that may connect to it/,
    );
    assert.doesNotMatch(out, new RegExp(cluster.admin.password));
});

test("control: with CONNECT granted, the same server passes (vault's table audited too)", async () => {
    await cluster.sql("GRANT CONNECT ON DATABASE vault TO avnadmin; ALTER DATABASE vault SET pgaudit.role = 'auditor'");
    await cluster.sql("GRANT SELECT ON public.cards TO auditor", [], "vault");
    const { code, out } = await gate();
    assert.equal(code, EXIT_OK, out);
});
