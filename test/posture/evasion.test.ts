// Evasion is a finding (issue 19 item 2), on a real PostgreSQL + pgaudit read as the
// non-superuser avnadmin: where each session's AUDIT lines go, measured in the server log and
// checked against the rule (provider/core/auditRouting.ts); the evasive role fails --baseline
// stig and --require naming the settings; functions that SET pgaudit.* fail; parameter grants
// are listed.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { closeAllPools } from "../../provider/connection";
import { auditRouting } from "../../model/auditRouting";
import { runPostureCli, EXIT_OK, EXIT_REQUIREMENT_VIOLATED } from "../../posture/cli";
import { postureReportSchema } from "../../posture/model";
import { startCluster, type TestCluster } from "../../sandbox/cluster";

after(closeAllPools);

async function cli(argv: string[]) {
    let out = "";
    let err = "";
    const code = await runPostureCli(argv, {}, { stdout: (t) => (out += t), stderr: (t) => (err += t), readFile: () => "" });
    return { code, out, err };
}

/** Opens a new session as `role`, runs one DDL statement, and counts its AUDIT lines in the server log and the notices it got. */
async function measure(cluster: TestCluster, role: string, expectServer: boolean): Promise<{ server: number; client: number }> {
    const app = `m_${role}`;
    const offset = cluster.logOffset();
    const client = await cluster.connectAs(role, "postgres", app);
    let notices = 0;
    client.on("notice", (n) => {
        if (String(n.message).startsWith("AUDIT:")) notices++;
    });
    try {
        await client.query("CREATE TEMP TABLE t (i int)");
    } finally {
        await client.end();
    }
    // The backend writes its log line before it answers; the wait only covers the file system.
    const lines = await cluster.waitForAuditLines(offset, app, 1, expectServer ? 5000 : 300);
    return { server: lines.length, client: notices };
}

const GRID_CLIENT = ["off", "on"] as const;
const GRID_LEVEL = ["debug1", "notice", "warning", "log"] as const;
const GRID_MIN = ["debug1", "notice", "warning", "log", "fatal"] as const;

test("where AUDIT lines go: a grid of (log_client, log_level, log_min_messages) measured in the server log matches the rule", async () => {
    const cluster = await startCluster();
    try {
        const cells = GRID_CLIENT.flatMap((logClient) =>
            GRID_LEVEL.flatMap((logLevel) => GRID_MIN.map((minMessages) => ({ logClient, logLevel, minMessages }))),
        );
        // log_min_messages is superuser context: the cluster's superuser sets it, as a careless one (or the provider) would. One script: one connection.
        await cluster.sql(
            cells
                .map(
                    (c, i) =>
                        `CREATE ROLE g${i} LOGIN; ALTER ROLE g${i} SET pgaudit.log = 'ddl,role,read,write'; ALTER ROLE g${i} SET pgaudit.log_client = ${c.logClient}; ` +
                        `ALTER ROLE g${i} SET pgaudit.log_level = ${c.logLevel}; ALTER ROLE g${i} SET log_min_messages = ${c.minMessages};`,
                )
                .join("\n"),
        );
        const grid: string[] = [];
        for (const [i, { logClient, logLevel, minMessages }] of cells.entries()) {
            const role = `g${i}`;
            const rule = auditRouting({ logClient, logLevel, logMinMessages: minMessages });
            assert.ok(!("unreadable" in rule));
            const got = await measure(cluster, role, rule.toServerLog);
            grid.push(`${logClient} ${logLevel} ${minMessages}: server ${got.server} (rule ${rule.toServerLog ? 1 : 0}), client ${got.client}`);
            assert.equal(got.server, rule.toServerLog ? 1 : 0, `log_client=${logClient} log_level=${logLevel} log_min_messages=${minMessages}`);
            // pgaudit sends to the client only with log_client on (and the client's client_min_messages, notice by default, lets only notice and warning through: LOG is below it there).
            assert.equal(got.client > 0, logClient === "on" && (logLevel === "notice" || logLevel === "warning"), `client: ${grid.at(-1)}`);
        }
        console.log(`PostgreSQL ${cluster.major}: AUDIT lines of one CREATE TABLE\n${grid.join("\n")}`);
    } finally {
        await cluster.stop();
    }
});

test("the evasive role (log_client on, log_level notice) fails --baseline stig and --require naming the settings; the control passes", async () => {
    const cluster = await startCluster({ settings: { "pgaudit.log": "ddl,role,read,write" } });
    try {
        await cluster.adminSql("CREATE ROLE evasive LOGIN");
        await cluster.adminSql("CREATE ROLE control LOGIN");
        // avnadmin holds SET on pgaudit.*, as on Aiven: it can write the evasion itself.
        await cluster.adminSql("ALTER ROLE evasive SET pgaudit.log = 'ddl,role,read,write'");
        await cluster.adminSql("ALTER ROLE evasive SET pgaudit.log_client = on");
        await cluster.adminSql("ALTER ROLE evasive SET pgaudit.log_level = 'notice'");
        await cluster.adminSql("ALTER ROLE control SET pgaudit.log = 'ddl,role,read,write'");
        // But not log_min_messages (superuser context, no grant on Aiven's emulation).
        await assert.rejects(cluster.adminSql("ALTER ROLE control SET log_min_messages = fatal"), /permission denied to set parameter "log_min_messages"/);

        // The measured case: 0 lines for the evasive role, 1 for the control.
        assert.deepEqual(await measure(cluster, "evasive", false), { server: 0, client: 1 });
        assert.deepEqual(await measure(cluster, "control", true), { server: 1, client: 0 });

        const uri = cluster.adminUri("postgres");
        const expected =
            `FAIL role "evasive" in database "postgres": pgaudit.log_client = on and pgaudit.log_level = notice send AUDIT lines to the client only (log_min_messages = warning): ` +
            `none reach the server log that Aiven ships; pgaudit.log_client from role "evasive" (ALTER ROLE "evasive" SET pgaudit.log_client), ` +
            `pgaudit.log_level from role "evasive" (ALTER ROLE "evasive" SET pgaudit.log_level), log_min_messages from the server-wide value (default)`;
        const stig = await cli(["--connection", uri, "--baseline", "stig"]);
        assert.equal(stig.code, EXIT_REQUIREMENT_VIOLATED, stig.out + stig.err);
        assert.ok(
            stig.out.includes(
                `${expected}; violates stig rule "server-log" (pgaudit.log_client). Fix: ALTER ROLE "evasive" RESET pgaudit.log_client; ALTER ROLE "evasive" RESET pgaudit.log_level`,
            ),
            stig.out,
        );
        assert.match(stig.out, /AUDIT lines that miss the server log/);
        const required = await cli(["--connection", uri, "--require", "ddl,role,read,write"]);
        assert.equal(required.code, EXIT_REQUIREMENT_VIOLATED, required.out);
        assert.ok(
            required.out.includes(`${expected}. Fix: ALTER ROLE "evasive" RESET pgaudit.log_client; ALTER ROLE "evasive" RESET pgaudit.log_level`),
            required.out,
        );

        const json = postureReportSchema.parse(JSON.parse((await cli(["--connection", uri, "--baseline", "stig", "--json"])).out));
        const failing = json.baseline!.violations.map((v) => [v.rule, v.role, v.database, v.setting, v.value, v.reason]).sort();
        assert.deepEqual(failing, [
            ["server-log", "evasive", "postgres", "pgaudit.log_client", "on", "not-in-server-log"],
            ["server-log", "evasive", "template1", "pgaudit.log_client", "on", "not-in-server-log"],
        ]);
        const pair = (role: string) => json.posture.effective.find((p) => p.role === role && p.database === "postgres")!;
        assert.deepEqual(pair("evasive").auditLines.toServerLog, false);
        assert.deepEqual(pair("evasive").auditLines.emittedAt, "notice");
        assert.deepEqual(pair("control").auditLines, { toServerLog: true, toClient: false, emittedAt: "LOG_SERVER_ONLY" });

        // Undo the evasion: the same gates pass.
        await cluster.adminSql("ALTER ROLE evasive RESET pgaudit.log_client");
        assert.equal((await cli(["--connection", uri, "--baseline", "stig"])).code, EXIT_OK);
        assert.equal((await cli(["--connection", uri, "--require", "ddl,role,read,write"])).code, EXIT_OK);

        // A superuser's (or the provider's) log_min_messages above LOG drops even LOG_SERVER_ONLY, whatever log_client says.
        await cluster.sql("ALTER ROLE control SET log_min_messages = fatal");
        assert.deepEqual(await measure(cluster, "control", false), { server: 0, client: 0 });
        const dropped = await cli(["--connection", uri, "--baseline", "stig"]);
        assert.equal(dropped.code, EXIT_REQUIREMENT_VIOLATED);
        assert.ok(
            dropped.out.includes(
                `FAIL role "control" in database "postgres": log_min_messages = fatal drops every LOG message, AUDIT lines included (pgaudit.log_client = off writes them at LOG): ` +
                    `none reach the server log that Aiven ships; log_min_messages from role "control" (ALTER ROLE "control" SET log_min_messages); ` +
                    `violates stig rule "server-log" (pgaudit.log_client). Fix: ALTER ROLE "control" RESET log_min_messages`,
            ),
            dropped.out,
        );
    } finally {
        await cluster.stop();
    }
});

test("a function that sets pgaudit.log = none for its body fails the gate; SET grants on pgaudit.* are listed, avnadmin's counted", async () => {
    const cluster = await startCluster({ settings: { "pgaudit.log": "ddl,role,read,write" } });
    try {
        await cluster.sql("CREATE DATABASE shop OWNER avnadmin");
        await cluster.adminSql("CREATE TABLE cards (id int)", [], "shop");
        await cluster.adminSql(
            "CREATE FUNCTION public.quiet_insert(v int) RETURNS void LANGUAGE sql SET pgaudit.log = 'none' AS $$ INSERT INTO cards VALUES (v) $$",
            [],
            "shop",
        );
        await cluster.adminSql("CREATE FUNCTION public.loud() RETURNS int LANGUAGE sql SET pgaudit.log = 'all' AS $$ SELECT 1 $$", [], "shop");
        // Routing in a SET clause: log_client + a low level (avnadmin may), log_min_messages above LOG (superuser only).
        await cluster.adminSql(
            "CREATE FUNCTION public.chatty() RETURNS int LANGUAGE sql SET pgaudit.log_client = on SET pgaudit.log_level = notice AS $$ SELECT 1 $$",
            [],
            "shop",
        );
        await cluster.sql("CREATE FUNCTION public.hush() RETURNS int LANGUAGE sql SET log_min_messages = fatal AS $$ SELECT 1 $$", [], "shop");
        await cluster.adminSql("CREATE ROLE app LOGIN");
        await cluster.sql("GRANT SET ON PARAMETER pgaudit.log TO app");

        // Measured: the INSERT inside the function writes no AUDIT line; the same INSERT outside does.
        const offset = cluster.logOffset();
        const s = await cluster.connectAs("avnadmin", "shop", "fn_measure");
        try {
            await s.query("SELECT public.quiet_insert(1)");
            await s.query("INSERT INTO cards VALUES (2)");
        } finally {
            await s.end();
        }
        const lines = await cluster.waitForAuditLines(offset, "fn_measure", 2, 3000);
        const writes = lines.filter((l) => l.includes(",WRITE,INSERT,"));
        assert.equal(writes.length, 1, lines.join("\n"));
        assert.match(writes[0], /INSERT INTO cards VALUES \(2\)/);

        const uri = cluster.adminUri("postgres");
        const stig = await cli(["--connection", uri, "--baseline", "stig"]);
        assert.equal(stig.code, EXIT_REQUIREMENT_VIOLATED, stig.out);
        assert.ok(
            stig.out.includes(
                `FAIL function "public"."quiet_insert"(v integer) in database "shop" (owner "avnadmin") sets pgaudit.log = 'none' for its body, which lacks ddl, role, read, write: ` +
                    `what it runs escapes the audit log; violates stig rule "log-classes" (V-233557, V-233563, V-233565, V-233567, V-233568, V-233570, V-233573, V-233574, V-233620, V-233621). ` +
                    `Fix: ALTER FUNCTION "public"."quiet_insert"(v integer) RESET pgaudit.log`,
            ),
            stig.out,
        );
        assert.doesNotMatch(stig.out, /FAIL function "public"\."loud"/);
        assert.match(stig.out, /shop +"public"\."loud"\(\) +avnadmin +invoker +pgaudit\.log=all/);
        assert.match(stig.out, /app +pgaudit\.log +SET +no/);
        assert.match(stig.out, /avnadmin \(the connecting role\) holds \d+ such grant\(s\), not listed/);

        const required = await cli(["--connection", uri, "--require", "ddl", "--json"]);
        assert.equal(required.code, EXIT_REQUIREMENT_VIOLATED);
        const report = postureReportSchema.parse(JSON.parse(required.out));
        assert.deepEqual(
            report.requirement!.functionViolations.map((v) => [v.database, v.function, v.setting, v.value, v.reason]),
            [
                ["shop", `"public"."chatty"()`, "pgaudit.log_level", "notice", "function-weakens-audit"],
                ["shop", `"public"."hush"()`, "log_min_messages", "fatal", "function-weakens-audit"],
                ["shop", `"public"."quiet_insert"(v integer)`, "pgaudit.log", "none", "function-weakens-audit"],
            ],
        );
        assert.deepEqual(report.requirement!.violations, []);
        assert.deepEqual(
            report.posture.parameterGrants!.filter((g) => !g.connectingRole).map((g) => [g.grantee, g.parameter, g.privilege]),
            [["app", "pgaudit.log", "SET"]],
        );

        // A database the checking role cannot read fails closed where some login role may connect.
        // template0: the posture's pooled sessions still sit in template1.
        await cluster.sql("CREATE DATABASE vault TEMPLATE template0");
        await cluster.sql("REVOKE CONNECT ON DATABASE vault FROM PUBLIC");
        await cluster.sql("GRANT CONNECT ON DATABASE vault TO app");
        await cluster.adminSql("ALTER FUNCTION public.quiet_insert(int) RESET pgaudit.log", [], "shop");
        await cluster.sql("DROP FUNCTION public.chatty(), public.hush()", [], "shop");
        const closed = postureReportSchema.parse(JSON.parse((await cli(["--connection", uri, "--require", "ddl", "--json"])).out));
        assert.deepEqual(
            closed.requirement!.functionViolations.map((v) => [v.database, v.reason]),
            [["vault", "database-unreadable"]],
        );
    } finally {
        await cluster.stop();
    }
});
