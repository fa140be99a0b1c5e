/**
 * What every session of the package does on a real server, whatever the server or its owners
 * ask: a password answered in clear text or MD5 only to a server TLS has verified (SCRAM always);
 * a password holding `?` parsed as libpq parses it, and never echoed; bounded lock and statement
 * waits that a role's own settings cannot lift, with a message naming the lock; integer settings
 * read as PostgreSQL's parse_int reads them.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import pg from "pg";
import { closeAllPools, withSession } from "../../provider/connection";
import { connectionSchema, type ResolvedConnection } from "../../model/connectionSpec";
import { parsePgInt } from "../../model/settings";
import { pgAuditObjectAuditProvider, pgAuditSettingProvider as provider } from "../support/providers";
import { readAuditPosture } from "../../posture/readAuditPosture";
import { startCluster, type TestCluster } from "../../sandbox/cluster";
import { catalogEntries, checked } from "../support/scopes";

const PASSWORD = "?s3cret:#x";
let cluster: TestCluster;
let cert: string;

before(async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pgaudit-auth-"));
    execFileSync(
        "openssl",
        ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1", "-keyout", "server.key", "-out", "server.crt"],
        { cwd: dir, stdio: "pipe" },
    );
    cert = fs.readFileSync(path.join(dir, "server.crt"), "utf8");
    cluster = await startCluster();
    const tls = {
        ssl: "on",
        ssl_cert_file: cluster.serverFile("server.crt", cert),
        ssl_key_file: cluster.serverFile("server.key", fs.readFileSync(path.join(dir, "server.key"))),
    };
    fs.rmSync(dir, { recursive: true, force: true });
    await cluster.restart({
        settings: tls,
        hba: ["host all clear_user 127.0.0.1/32 password", "host all md5_user 127.0.0.1/32 md5"],
    });
    const pw = pg.escapeLiteral(PASSWORD);
    await cluster.sql(`CREATE ROLE clear_user LOGIN PASSWORD ${pw}; SET password_encryption = 'md5'; CREATE ROLE md5_user LOGIN PASSWORD ${pw}`);
    await cluster.adminSql("CREATE ROLE app_lock LOGIN; CREATE ROLE app_int LOGIN");
    await cluster.sql("CREATE TABLE public.ledger(id int); ALTER TABLE public.ledger OWNER TO avnadmin");
    // Last: adminSql knows only the cluster's own password.
    await cluster.sql(`ALTER ROLE avnadmin PASSWORD ${pw}`);
});
after(async () => {
    await closeAllPools();
    await cluster.stop();
});

const as = (user: string, extra: Record<string, unknown> = {}): ResolvedConnection =>
    connectionSchema.parse({ host: cluster.host, port: cluster.port, user, password: PASSWORD, database: "postgres", sslMode: "disable", ...extra });
const whoAmI = (c: ResolvedConnection) => withSession(c, 2, async ({ client }) => (await client.query<{ u: string }>("SELECT current_user AS u")).rows[0].u);

test("control: the server really accepts clear text and MD5 answers from node-postgres itself", async () => {
    for (const user of ["clear_user", "md5_user"]) {
        const client = new pg.Client({ host: cluster.host, port: cluster.port, user, password: PASSWORD, database: "postgres" });
        await client.connect();
        await client.end();
    }
});

test("a cleartext or MD5 password request from an unverified server is refused before the password leaves", async () => {
    const cases: [string, Record<string, unknown>, RegExp][] = [
        [
            "clear_user",
            { sslMode: "disable" },
            /asked for the password in clear text \(AuthenticationCleartextPassword\), but TLS does not verify that server \(sslMode disable without caCert\), so the password was not sent/,
        ],
        ["clear_user", { sslMode: "require" }, /clear text .*\(sslMode require without caCert\)/],
        ["md5_user", { sslMode: "disable" }, /an MD5 hash of the password \(AuthenticationMD5Password\).*was not sent/],
        ["md5_user", { sslMode: "require" }, /MD5.*\(sslMode require without caCert\)/],
    ];
    for (const [user, extra, message] of cases) {
        const error = await whoAmI(as(user, extra)).then(
            () => assert.fail(`${user} ${JSON.stringify(extra)} connected`),
            (err: Error) => err,
        );
        assert.match(error.message, message);
        assert.match(error.message, /Fix: give caCert/);
        assert.ok(!error.message.includes(PASSWORD) && !error.message.includes("s3cret"), error.message);
    }
});

test("a verified server may ask for clear text or MD5; SCRAM is answered whatever the TLS", async () => {
    assert.equal(await whoAmI(as("clear_user", { sslMode: "verify-ca", caCert: cert })), "clear_user");
    assert.equal(await whoAmI(as("md5_user", { sslMode: "require", caCert: cert })), "md5_user");
    assert.equal(await whoAmI(as("avnadmin", { sslMode: "disable" })), "avnadmin");
    assert.equal(await whoAmI(as("avnadmin", { sslMode: "require" })), "avnadmin");
});

test("a URI password holding ? : # is parsed as libpq does and reaches the server; no error repeats it", async () => {
    const uri = `postgresql://avnadmin:${PASSWORD}@${cluster.host}:${cluster.port}/postgres?sslmode=disable`;
    assert.equal(connectionSchema.parse(uri).password, PASSWORD);
    const posture = await readAuditPosture(uri);
    assert.equal(posture.connectedAs.user, "avnadmin");
    for (const bad of [
        `postgresql://avnadmin:${PASSWORD}@h:notaport/db`,
        `postgresql://avnadmin:${PASSWORD}@h/db?sslrootcert=x`,
        `postgresql://avnadmin:${PASSWORD}@h/db?${PASSWORD}`,
        `postgresql://avnadmin:${PASSWORD}%zz@h/db`,
        `postgresql://avnadmin:${PASSWORD}@h1,h2/db`,
        `postgresql://avnadmin:${PASSWORD}@[::1/db`,
        `postgresql://avnadmin${PASSWORD}/db`,
    ]) {
        const result = connectionSchema.safeParse(bad);
        assert.equal(result.success, false, bad);
        const text = JSON.stringify(result.error.issues);
        assert.ok(!text.includes("s3cret"), text);
        await assert.rejects(readAuditPosture(bad), (err: Error) => !err.message.includes("s3cret") && /invalid connection/.test(err.message));
    }
});

test("sessions bound lock and statement waits, and a role's own settings cannot lift them", async () => {
    await cluster.sql("ALTER ROLE avnadmin SET statement_timeout = 0; ALTER ROLE avnadmin SET lock_timeout = 0");
    const rows = await withSession(
        as("avnadmin"),
        2,
        async ({ client }) =>
            (await client.query<{ l: string; s: string }>("SELECT current_setting('lock_timeout') AS l, current_setting('statement_timeout') AS s")).rows,
    );
    assert.deepEqual(rows, [{ l: "10s", s: "1min" }]);
});

/** Runs `work` while another session holds what `hold` takes, then rolls it back; work must fail. */
async function whileHeld(hold: string, work: () => Promise<unknown>): Promise<{ error: Error; seconds: number }> {
    const blocker = await cluster.connectAs("postgres", "postgres");
    try {
        await blocker.query(hold);
        const started = performance.now();
        const error = await work().then(
            () => assert.fail("the operation went through a held lock"),
            (err: Error) => err,
        );
        return { error, seconds: (performance.now() - started) / 1000 };
    } finally {
        await blocker.query("ROLLBACK").catch(() => undefined);
        await blocker.end();
    }
}

test("an ALTER ROLE behind another session's lock fails within the bound, naming the wait; a rerun converges", async () => {
    const connection = `postgresql://avnadmin:${encodeURIComponent(PASSWORD)}@${cluster.host}:${cluster.port}/postgres?sslmode=disable`;
    const inputs = await checked({ connection, role: "app_lock", settings: { log: "ddl" } });
    // The blocker: an uncommitted ALTER ROLE holds app_lock's pg_db_role_setting row.
    const { error, seconds } = await whileHeld("BEGIN; ALTER ROLE app_lock SET pgaudit.log = 'read'", () => provider.create(inputs));
    assert.ok(seconds >= 9 && seconds < 20, `failed after ${seconds.toFixed(1)} s`);
    assert.match(error.message, /canceling statement due to lock timeout: waited 10 s \(lock_timeout\) for a lock another session holds/);
    assert.match(error.message, /pg_db_role_setting/);
    assert.match(error.message, /Fix: end that transaction .* then run pulumi up again \[SQLSTATE 55P03\]/);
    assert.deepEqual(await catalogEntries(cluster, { role: "app_lock" }), [], "nothing applied");
    await provider.create(inputs);
    assert.deepEqual(await catalogEntries(cluster, { role: "app_lock" }), ["pgaudit.log=ddl"]);
    console.log(`lock wait failed after ${seconds.toFixed(1)} s`);
});

// Measured on 15: LOCK TABLE … ACCESS EXCLUSIVE does not hold up a GRANT (it takes no lock on the
// table); another transaction changing the same table's privileges does (the pg_class row).
test("an object-audit GRANT behind another session's uncommitted GRANT fails within the bound, naming the wait; a rerun converges", async () => {
    const checkedAudit = await pgAuditObjectAuditProvider.check(
        {},
        {
            connection: as("avnadmin"),
            database: "postgres",
            auditRole: "ledger_auditor",
            createRole: true,
            objects: [{ table: "public.ledger", privileges: ["select"] }],
        },
    );
    assert.deepEqual(checkedAudit.failures ?? [], []);
    const { error, seconds } = await whileHeld("BEGIN; GRANT INSERT ON public.ledger TO PUBLIC", () => pgAuditObjectAuditProvider.create(checkedAudit.inputs!));
    assert.ok(seconds >= 9 && seconds < 20, `failed after ${seconds.toFixed(1)} s`);
    assert.match(error.message, /lock timeout: waited 10 s \(lock_timeout\) for a lock another session holds.*\[SQLSTATE 55P03\]/s);
    const created = await pgAuditObjectAuditProvider.create(checkedAudit.inputs!);
    assert.equal(created.outs.roleCreated, true);
    const grants = await cluster.sql(
        "SELECT a.privilege_type AS p FROM pg_class c, aclexplode(c.relacl) a WHERE c.relname = 'ledger' AND a.grantee = 'ledger_auditor'::regrole",
    );
    assert.deepEqual(grants, [{ p: "SELECT" }]);
    console.log(`object audit GRANT lock wait failed after ${seconds.toFixed(1)} s: ${error.message}`);
});

test("integers: parsePgInt reads what the server's parse_int reads (oracle: a unitless int setting)", async () => {
    const inputs = [
        "010",
        "0x10",
        "0X1f",
        " 42 ",
        "\t7\n",
        "08",
        "09",
        "1e3",
        "7.5",
        "8.5",
        "-7.5",
        "010.5",
        "0x10.8",
        ".5",
        "+7",
        "- 7",
        "0x",
        "",
        " ",
        "1_000",
        "12abc",
        "inf",
        "nan",
        "2147483647",
        "2147483648",
        "-2147483648",
        "-2147483649",
        "99999999999999999999",
        "0x7fffffff",
        "017777777777",
        "1e10",
        "00",
        "-0",
        "1.",
        "5e-1",
    ];
    // geqo_generations: an int without a unit, 0 .. INT_MAX; a value out of range names the number it parsed.
    const server = await withSession(as("avnadmin"), 2, async ({ client }) => {
        const out: (number | undefined)[] = [];
        for (const text of inputs) {
            try {
                await client.query(`SET geqo_generations = ${pg.escapeLiteral(text)}`);
                out.push(Number((await client.query<{ geqo_generations: string }>("SHOW geqo_generations")).rows[0].geqo_generations));
            } catch (err) {
                const range = /^(-?\d+) is outside the valid range/.exec((err as Error).message);
                out.push(range ? Number(range[1]) : undefined);
            }
        }
        return out;
    });
    assert.deepEqual(Object.fromEntries(inputs.map((t) => [t, parsePgInt(t)])), Object.fromEntries(inputs.map((t, i) => [t, server[i]])));
    assert.equal(parsePgInt("010"), 8);
    assert.equal(parsePgInt("0x10"), 16);
});

test("integers: a pgaudit int written by hand as octal or hex is read back as the server reads it (pgaudit 16+)", async () => {
    const [row] = await cluster.sql<{ n: string }>("SELECT count(*)::text AS n FROM pg_settings WHERE name = 'pgaudit.log_parameter_max_size'");
    if (row.n === "0") {
        // pgaudit 1.7 (PostgreSQL 15) has no integer setting; the oracle above covers parse_int.
        assert.equal(cluster.major, 15);
        return;
    }
    const [unit] = await cluster.sql<{ unit: string | null }>("SELECT unit FROM pg_settings WHERE name = 'pgaudit.log_parameter_max_size'");
    assert.equal(unit.unit, null, "no unit: parsePgInt's rules apply");
    const made = await provider.create(await checked({ connection: as("avnadmin"), role: "app_int", settings: { logParameterMaxSize: 8 } }));
    await cluster.sql("ALTER ROLE app_int SET pgaudit.log_parameter_max_size = '010'");
    const read = await provider.read(made.id, made.outs);
    assert.equal((read.props?.settings as Record<string, unknown>).logParameterMaxSize, 8);
    await cluster.sql("ALTER ROLE app_int SET pgaudit.log_parameter_max_size = '0x10'");
    const again = await provider.read(made.id, made.outs);
    assert.equal((again.props?.settings as Record<string, unknown>).logParameterMaxSize, 16);
    const client = await cluster.connectAs("app_int", "postgres");
    try {
        assert.equal(
            (await client.query<{ v: string }>("SELECT current_setting('pgaudit.log_parameter_max_size') AS v")).rows[0].v,
            "16",
            "what a session of the role gets",
        );
    } finally {
        await client.end();
    }
});
