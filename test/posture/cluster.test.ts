// The posture against a real PostgreSQL 15 + pgaudit, read as the non-superuser avnadmin (Aiven's
// model): computed precedence equals what login sessions really get, the CLI catches a role set
// to none by hand, roles without LOGIN are not required, hostile names print safely, and what a
// non-superuser can see of server-wide values.

// The command this file spawns is compiled with the tests, whatever tsconfig's include says.
// eslint-disable-next-line @typescript-eslint/triple-slash-reference -- compiles the CLI without loading it; an import would run it
/// <reference path="../../bin/pgaudit-posture.ts" />
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import path from "node:path";
import pg from "pg";
import { closeAllPools } from "../../provider/connection";
import { runPostureCli, EXIT_OK, EXIT_REQUIREMENT_VIOLATED, EXIT_USAGE_OR_CONNECTION } from "../../posture/cli";
import { postureReportSchema, type AuditPosture } from "../../posture/model";
import { readAuditPosture } from "../../posture/readAuditPosture";
import { startCluster, type StartOptions, type TestCluster } from "../../sandbox/cluster";

after(closeAllPools);

async function withCluster(opts: StartOptions, work: (cluster: TestCluster) => Promise<void>): Promise<void> {
    const cluster = await startCluster(opts);
    try {
        await work(cluster);
    } finally {
        await cluster.stop();
    }
}

async function cli(argv: string[], env: Record<string, string> = {}): Promise<{ code: number; out: string; err: string }> {
    let out = "";
    let err = "";
    const code = await runPostureCli(argv, env, { stdout: (t) => (out += t), stderr: (t) => (err += t), readFile: () => "" });
    return { code, out, err };
}

/** Every pgaudit setting (and log_min_messages, which routes AUDIT lines) a fresh login session of `role` in `database` really gets. */
async function sessionSettings(cluster: TestCluster, role: string, database: string): Promise<Record<string, string>> {
    const client = await cluster.connectAs(role, database);
    try {
        const { rows } = await client.query<{ name: string; setting: string }>(
            "SELECT name, setting FROM pg_settings WHERE name LIKE 'pgaudit.%' OR name = 'log_min_messages'",
        );
        return Object.fromEntries(rows.map((r) => [r.name, r.setting]));
    } finally {
        await client.end();
    }
}

function effectiveOf(posture: AuditPosture, role: string, database: string) {
    const found = posture.effective.find((p) => p.role === role && p.database === database);
    assert.ok(found, `no effective settings for ${role} in ${database}`);
    return Object.fromEntries(found.settings.map((s) => [s.name, s]));
}

const sql = (strings: TemplateStringsArray, ...names: string[]) =>
    strings.reduce((acc, s, i) => acc + s + (i < names.length ? pg.escapeIdentifier(names[i]) : ""), "");

test("precedence: computed effective settings equal what every login session really gets", async () => {
    await withCluster({ settings: { "pgaudit.log": "ddl" } }, async (cluster) => {
        await cluster.sql("CREATE DATABASE shop OWNER avnadmin");
        await cluster.sql("CREATE DATABASE analytics OWNER avnadmin");
        for (const role of ["app", "etl", "auditor"]) await cluster.sql(sql`CREATE ROLE ${role} LOGIN`);
        await cluster.sql("ALTER ROLE ALL SET pgaudit.log = 'read'");
        await cluster.sql("ALTER ROLE ALL IN DATABASE analytics SET pgaudit.log = 'ddl,read'");
        await cluster.sql("ALTER DATABASE analytics SET pgaudit.log_level = 'notice'");
        await cluster.sql("ALTER ROLE etl SET pgaudit.log = 'ddl,misc'");
        await cluster.sql("ALTER ROLE etl IN DATABASE analytics SET pgaudit.log = 'ddl,write'");
        await cluster.sql("ALTER ROLE auditor SET pgaudit.log_client = on");
        await cluster.sql("ALTER ROLE app SET pgaudit.log = 'function'");

        const posture = await readAuditPosture(cluster.adminConnection());

        // ALTER DATABASE and ALTER ROLE ALL IN DATABASE wrote one row: both entries are the database scope.
        assert.deepEqual(
            posture.overrides.filter((o) => o.scope.kind === "database"),
            [
                { scope: { kind: "database", database: "analytics" }, name: "pgaudit.log", value: "ddl,read" },
                { scope: { kind: "database", database: "analytics" }, name: "pgaudit.log_level", value: "notice" },
            ],
        );
        assert.deepEqual(effectiveOf(posture, "etl", "analytics")["pgaudit.log"].from, { kind: "role-in-database", role: "etl", database: "analytics" });
        assert.deepEqual(effectiveOf(posture, "etl", "shop")["pgaudit.log"].from, { kind: "role", role: "etl" });
        assert.deepEqual(effectiveOf(posture, "app", "analytics")["pgaudit.log"], {
            name: "pgaudit.log",
            value: "function",
            from: { kind: "role", role: "app" },
        });
        assert.deepEqual(effectiveOf(posture, "auditor", "analytics")["pgaudit.log"].from, { kind: "database", database: "analytics" });
        assert.deepEqual(effectiveOf(posture, "auditor", "shop")["pgaudit.log"].from, { kind: "all-roles" });
        assert.deepEqual(effectiveOf(posture, "etl", "analytics")["pgaudit.log_level"].from, { kind: "database", database: "analytics" });
        assert.deepEqual(effectiveOf(posture, "auditor", "shop")["pgaudit.log_client"].from, { kind: "role", role: "auditor" });
        assert.deepEqual(effectiveOf(posture, "app", "shop")["pgaudit.log_rows"].from, { kind: "server", source: "default" });

        // Every login role in every database, every setting: the model against real sessions.
        const logins = posture.effective.filter((p) => p.canLogin);
        assert.equal(logins.length, 5 * 4); // app, etl, auditor, avnadmin, postgres × postgres, template1, shop, analytics
        for (const p of logins) {
            const real = await sessionSettings(cluster, p.role, p.database);
            const computed = Object.fromEntries(p.settings.map((s) => [s.name, s.value]));
            assert.deepEqual(computed, real, `${p.role} in ${p.database}`);
        }
    });
});

test("CLI: a role set to none by hand fails the requirement, naming role, database and override; NOLOGIN is not required", async () => {
    await withCluster({ settings: { "pgaudit.log": "ddl,role" } }, async (cluster) => {
        await cluster.sql("CREATE DATABASE shop OWNER avnadmin");
        await cluster.sql("ALTER DATABASE shop SET pgaudit.log = 'ddl,role,write'");
        await cluster.sql("CREATE ROLE app LOGIN");
        await cluster.sql("CREATE ROLE reporting NOLOGIN");
        await cluster.sql("ALTER ROLE reporting SET pgaudit.log = 'none'");
        const uri = cluster.adminUri("postgres");

        const clean = await cli(["--connection", uri, "--require", "ddl,role"]);
        assert.equal(clean.code, EXIT_OK, clean.out + clean.err);
        assert.match(clean.out, /OK: 9 login role × database pairs checked; not required: 3 without LOGIN, 0 without CONNECT/);
        assert.match(clean.out, /^ {2}-\s+reporting\s+shop\s+none\s+\(nothing\)\s+role\s+NOLOGIN: not required$/m);

        // The incident: typed by hand, invisible in Aiven's Console.
        await cluster.sql("ALTER ROLE app SET pgaudit.log = 'none'");
        const caught = await cli(["--connection", uri, "--require", "ddl,role"]);
        assert.equal(caught.code, EXIT_REQUIREMENT_VIOLATED);
        for (const db of ["postgres", "shop", "template1"]) {
            assert.ok(
                caught.out.includes(
                    `  FAIL role "app" in database "${db}": pgaudit.log = 'none' lacks ddl, role; set by role "app" (ALTER ROLE "app" SET pgaudit.log). Fix: ALTER ROLE "app" RESET pgaudit.log`,
                ),
                caught.out,
            );
        }
        assert.match(caught.out, /3 violation\(s\); 9 login role × database pairs checked/);
        assert.doesNotMatch(caught.out, /FAIL role "reporting"/);

        const json = await cli(["--connection", uri, "--require", "ddl,role", "--json"]);
        assert.equal(json.code, EXIT_REQUIREMENT_VIOLATED);
        const report = postureReportSchema.parse(JSON.parse(json.out));
        assert.deepEqual(
            report.requirement?.violations.map((v) => [v.role, v.database, v.from, v.lacks]),
            ["postgres", "shop", "template1"].map((db) => ["app", db, { kind: "role", role: "app" }, ["ddl", "role"]]),
        );

        // The installed command: a real process, its exit status, nothing of the password.
        const bin = path.join(__dirname, "..", "..", "bin", "pgaudit-posture.js");
        const proc = spawnSync(process.execPath, [bin, "--require", "ddl,role"], {
            encoding: "utf8",
            env: {
                ...process.env,
                PGHOST: cluster.host,
                PGPORT: String(cluster.port),
                PGUSER: "avnadmin",
                PGPASSWORD: cluster.admin.password,
                PGDATABASE: "postgres",
                PGSSLMODE: "disable",
            },
        });
        assert.equal(proc.status, EXIT_REQUIREMENT_VIOLATED, proc.stderr);
        assert.match(proc.stdout, /FAIL role "app" in database "shop"/);
        assert.ok(!proc.stdout.includes(cluster.admin.password) && !proc.stderr.includes(cluster.admin.password));

        await cluster.sql("ALTER ROLE app RESET pgaudit.log");
        assert.equal((await cli(["--connection", uri, "--require", "ddl,role"])).code, EXIT_OK);
    });
});

test("CLI: hostile role and database names print safely in the table and exactly in --json", async () => {
    const roles = ['x"; DROP ROLE victim; --', "two\nlines", "\u001b[31mred\u001b[0m", "bidi\u202eevil", "ünïcødé ✓", "quote'back\\slash"];
    const database = "db\n\u001b[2Jwiped";
    await withCluster({ settings: { "pgaudit.log": "ddl" } }, async (cluster) => {
        await cluster.sql("CREATE ROLE victim LOGIN");
        await cluster.sql(sql`CREATE DATABASE ${database} OWNER avnadmin`);
        await cluster.sql(sql`ALTER DATABASE ${database} SET pgaudit.log = 'ddl,role'`);
        for (const role of roles) {
            await cluster.sql(sql`CREATE ROLE ${role} LOGIN`);
            await cluster.sql(sql`ALTER ROLE ${role} IN DATABASE ${database} SET pgaudit.log = 'none'`);
        }
        const uri = cluster.adminUri();
        const table = await cli(["--connection", uri, "--require", "ddl"]);
        assert.equal(table.code, EXIT_REQUIREMENT_VIOLATED);
        for (const line of table.out.split("\n")) assert.doesNotMatch(line, /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u, JSON.stringify(line));
        assert.match(table.out, /FAIL role "x\\"; DROP ROLE victim; --" in database "db\\n\\u\{1b\}\[2Jwiped"/);
        assert.match(table.out, /FAIL role "two\\nlines" in database/);
        assert.match(table.out, /ünïcødé ✓/);
        // One table row per role × database (no name split a row): 9 login roles × 3 databases.
        // The table ends at the blank line before the next section.
        const rows = table.out.slice(table.out.indexOf("Effective pgaudit.log")).split("\n\n")[0];
        assert.equal(rows.trim().split("\n").length, 2 + 9 * 3);

        const json = await cli(["--connection", uri, "--require", "ddl", "--json"]);
        const report = postureReportSchema.parse(JSON.parse(json.out));
        for (const role of roles)
            assert.ok(
                report.posture.roles.some((r) => r.name === role),
                JSON.stringify(role),
            );
        assert.deepEqual(report.requirement?.violations.map((v) => [v.role, v.database]).sort(), roles.map((r) => [r, database]).sort());
        assert.ok(report.posture.databases.some((d) => d.name === database));
        // Names were data, never SQL.
        assert.equal((await cluster.sql("SELECT 1 FROM pg_roles WHERE rolname = 'victim'")).length, 1);
    });
});

test("server-wide values as a non-superuser: masked by the database → read elsewhere; masked by the role → hidden and never passed", async () => {
    await withCluster({ settings: { "pgaudit.log": "ddl,role" } }, async (cluster) => {
        await cluster.sql("CREATE DATABASE shop OWNER avnadmin");
        await cluster.sql("CREATE ROLE app LOGIN");

        // What avnadmin may read (measured): pg_settings rows with reset_val and source, no sourcefile; no pg_file_settings.
        const admin = new pg.Client({ connectionString: cluster.adminUri("shop") });
        await admin.connect();
        try {
            const { rows } = await admin.query("SELECT reset_val, source, sourcefile FROM pg_settings WHERE name = 'pgaudit.log'");
            assert.deepEqual(rows, [{ reset_val: "ddl,role", source: "command line", sourcefile: null }]);
            await assert.rejects(admin.query("SELECT * FROM pg_file_settings"), { code: "42501" });
        } finally {
            await admin.end();
        }

        await cluster.sql("ALTER DATABASE shop SET pgaudit.log = 'all'");
        const stepped = await readAuditPosture(cluster.adminConnection("shop"));
        assert.deepEqual(
            stepped.server.find((s) => s.name === "pgaudit.log"),
            { name: "pgaudit.log", value: "ddl,role", source: "command line", readIn: "postgres" },
        );

        await cluster.sql("ALTER ROLE avnadmin SET pgaudit.log = 'all'");
        // Overrides reach only new sessions: drop the pooled ones (a pooled session still shows the true server value).
        await closeAllPools();
        const hidden = await readAuditPosture(cluster.adminConnection("shop"));
        assert.deepEqual(
            hidden.server.find((s) => s.name === "pgaudit.log"),
            {
                name: "pgaudit.log",
                value: null,
                source: null,
                readIn: "shop", // the role's mask holds in every database: no second look
                hiddenBy: { kind: "role", role: "avnadmin" },
            },
        );
        assert.deepEqual(effectiveOf(hidden, "app", "postgres")["pgaudit.log"], { name: "pgaudit.log", value: null, from: { kind: "server", source: null } });
        const verdict = await cli(["--connection", cluster.adminUri("shop"), "--require", "ddl", "--json"]);
        assert.equal(verdict.code, EXIT_REQUIREMENT_VIOLATED);
        const report = postureReportSchema.parse(JSON.parse(verdict.out));
        assert.ok(report.requirement?.violations.some((v) => v.role === "app" && v.database === "postgres" && v.reason === "value-hidden"));
    });
});

test("CLI: a refused login exits 2, says where it tried, and never prints the password", async () => {
    await withCluster({}, async (cluster) => {
        const wrong = "Wr0ng-pa55word-xyz";
        const res = await cli(["--connection", `postgresql://avnadmin@${cluster.host}:${cluster.port}/postgres?sslmode=disable`, "--connect-deadline", "1"], {
            PGPASSWORD: wrong,
        });
        assert.equal(res.code, EXIT_USAGE_OR_CONNECTION);
        assert.equal(res.out, "");
        assert.match(res.err, new RegExp(`avnadmin@127\\.0\\.0\\.1:${cluster.port}/postgres`));
        assert.match(res.err, /28P01/);
        assert.ok(!res.err.includes(wrong));
    });
});
