// `pgaudit-posture --baseline` against a real PostgreSQL 15 + pgaudit, read as the non-superuser
// avnadmin: every rule (classes and other settings) checked on every login role × database,
// naming the rule and its source ids, the scope responsible and the fix.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { closeAllPools } from "../../provider/connection";
import { runPostureCli, EXIT_OK, EXIT_REQUIREMENT_VIOLATED, EXIT_USAGE_OR_CONNECTION } from "../../posture/cli";
import { postureReportSchema } from "../../posture/model";
import { startCluster } from "../../sandbox/cluster";

after(closeAllPools);

async function cli(argv: string[], files: Record<string, string> = {}) {
    let out = "";
    let err = "";
    const readFile = (path: string) => {
        if (!(path in files)) throw new Error(`ENOENT: ${path}`);
        return files[path];
    };
    const code = await runPostureCli(argv, {}, { stdout: (t) => (out += t), stderr: (t) => (err += t), readFile });
    return { code, out, err };
}

test("--baseline stig: a role weaker than the STIG and a database with log_catalog off are named with rule, source ids, scope and fix", async () => {
    const cluster = await startCluster({ settings: { "pgaudit.log": "ddl,role,read,write" } });
    try {
        await cluster.sql("CREATE DATABASE shop OWNER avnadmin");
        await cluster.adminSql("CREATE ROLE app LOGIN"); // as aiven.PgUser makes it
        const uri = cluster.adminUri("postgres");

        const clean = await cli(["--connection", uri, "--baseline", "stig"]);
        assert.equal(clean.code, EXIT_OK, clean.out + clean.err);
        assert.match(clean.out, /Baseline stig: Crunchy Data PostgreSQL Security Technical Implementation Guide V3R1/);
        assert.match(clean.out, /OK: 9 login role × database pairs checked against 4 rule\(s\)/);

        // A role set to write (drops ddl), and a database that stops auditing catalog access.
        await cluster.sql("ALTER ROLE app SET pgaudit.log = 'write'");
        await cluster.sql("ALTER DATABASE shop SET pgaudit.log_catalog = off");
        const caught = await cli(["--connection", uri, "--baseline", "stig"]);
        assert.equal(caught.code, EXIT_REQUIREMENT_VIOLATED);
        assert.ok(
            caught.out.includes(
                `  FAIL role "app" in database "postgres": pgaudit.log = 'write' lacks ddl, role, read, set by role "app" (ALTER ROLE "app" SET pgaudit.log); ` +
                    `violates stig rule "log-classes" (V-233557, V-233563, V-233565, V-233567, V-233568, V-233570, V-233573, V-233574, V-233620, V-233621). Fix: ALTER ROLE "app" RESET pgaudit.log (or set it to include ddl, role, read, write)`,
            ),
            caught.out,
        );
        assert.ok(
            caught.out.includes(
                `  FAIL role "avnadmin" in database "shop": pgaudit.log_catalog = 'off' is not on, set by database "shop" (ALTER DATABASE "shop" SET pgaudit.log_catalog); ` +
                    `violates stig rule "log-catalog" (V-233573). Fix: ALTER DATABASE "shop" RESET pgaudit.log_catalog (or set it to 'on')`,
            ),
            caught.out,
        );

        const json = await cli(["--connection", uri, "--baseline", "stig", "--json"]);
        assert.equal(json.code, EXIT_REQUIREMENT_VIOLATED);
        const report = postureReportSchema.parse(JSON.parse(json.out));
        const seen = report.baseline!.violations.map((v) => [v.rule, v.role, v.database, v.setting, v.value, v.reason, v.from.kind]);
        assert.deepEqual(seen.sort(), [
            ["log-catalog", "app", "shop", "pgaudit.log_catalog", "off", "wrong-value", "database"],
            ["log-catalog", "avnadmin", "shop", "pgaudit.log_catalog", "off", "wrong-value", "database"],
            ["log-catalog", "postgres", "shop", "pgaudit.log_catalog", "off", "wrong-value", "database"],
            ["log-classes", "app", "postgres", "pgaudit.log", "write", "lacks-classes", "role"],
            ["log-classes", "app", "shop", "pgaudit.log", "write", "lacks-classes", "role"],
            ["log-classes", "app", "template1", "pgaudit.log", "write", "lacks-classes", "role"],
        ]);
        assert.deepEqual(report.baseline!.violations.find((v) => v.rule === "log-catalog")!.references, ["V-233573"]);
        assert.equal(report.baseline!.baseline.version, "V3R1");

        // CIS asks for ddl and write only: the role set to write still fails, for ddl alone; log_catalog is not a CIS rule.
        const cis = postureReportSchema.parse(JSON.parse((await cli(["--connection", uri, "--baseline", "cis", "--json"])).out));
        assert.deepEqual(cis.baseline!.violations.map((v) => [v.rule, v.role, v.database, v.lacks]).sort(), [
            ["log-classes", "app", "postgres", ["ddl"]],
            ["log-classes", "app", "shop", ["ddl"]],
            ["log-classes", "app", "template1", ["ddl"]],
        ]);

        // Your own baseline, from a JSON file.
        const own = JSON.stringify({
            name: "acme",
            title: "ACME",
            source: { document: "ACME DB standard", version: "1" },
            rules: [
                { id: "rows", kind: "setting", setting: "logRows", value: true, says: "row counts are logged", references: [{ id: "DB-3", title: "Rows" }] },
            ],
        });
        const acme = await cli(["--connection", uri, "--baseline", "./acme.json"], { "./acme.json": own });
        assert.equal(acme.code, EXIT_REQUIREMENT_VIOLATED);
        assert.match(
            acme.out,
            /FAIL role "app" in database "shop": pgaudit\.log_rows = 'off' is not on, set by the server-wide value \(default\); violates acme rule "rows" \(DB-3\)\. Fix: set pgaudit\.log_rows = 'on' server-wide \(Aiven: pgUserConfig\.pgaudit\.logRows = true\)/,
        );
        const bad = await cli(["--connection", uri, "--baseline", "./bad.json"], { "./bad.json": JSON.stringify({ name: "x" }) });
        assert.equal(bad.code, EXIT_USAGE_OR_CONNECTION);
        assert.match(bad.err, /--baseline \.\/bad\.json: invalid baseline: baseline\.title: /);
    } finally {
        await cluster.stop();
    }
});

test("--baseline: an unknown name is a usage error; pgaudit not loaded fails the enabled rule for every login pair", async () => {
    const usage = await cli(["--baseline", "pci"]);
    assert.equal(usage.code, EXIT_USAGE_OR_CONNECTION);
    assert.match(usage.err, /--baseline: unknown baseline "pci"; expected one of stig, cis, or the path of a JSON file/);

    const cluster = await startCluster({ pgaudit: false });
    try {
        const report = postureReportSchema.parse(JSON.parse((await cli(["--connection", cluster.adminUri(), "--baseline", "stig", "--json"])).out));
        assert.ok(report.baseline!.violations.length > 0);
        assert.ok(report.baseline!.violations.every((v) => v.rule === "enabled" && v.reason === "pgaudit-not-loaded" && v.references[0] === "V-233589"));
        assert.equal(report.baseline!.violations.length, report.baseline!.checked);
    } finally {
        await cluster.stop();
    }
});
