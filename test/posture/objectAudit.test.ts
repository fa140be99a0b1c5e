// Object audit in the posture against a real PostgreSQL + pgaudit, read as avnadmin: the effective
// pgaudit.role per login role × database, what the audit role's privileges log (membership
// included, as pgaudit counts it), and the --require-object gate, each verdict checked against
// what real sessions write to the server log.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import pg from "pg";
import { closeAllPools } from "../../provider/connection";
import { pgAuditObjectAuditProvider } from "../../provider/objectAudit/provider";
import { runPostureCli, EXIT_OK, EXIT_REQUIREMENT_VIOLATED, EXIT_USAGE_OR_CONNECTION } from "../../posture/cli";
import { postureReportSchema } from "../../posture/model";
import { parseObjectRequirement } from "../../posture/objectRequirements";
import { readAuditPosture } from "../../posture/readAuditPosture";
import { startCluster } from "../../sandbox/cluster";
import { auditLinesOf } from "../support/scopes";

after(closeAllPools);

async function cli(argv: string[]): Promise<{ code: number; out: string; err: string }> {
    let out = "";
    let err = "";
    const code = await runPostureCli(argv, {}, { stdout: (t) => (out += t), stderr: (t) => (err += t), readFile: () => "" });
    return { code, out, err };
}

test("--require-object parses schema.table[(columns)]:commands and refuses what it cannot mean", () => {
    assert.deepEqual(parseObjectRequirement("public.cards:select,UPDATE"), {
        schema: "public",
        table: "cards",
        text: "public.cards:select,UPDATE",
        commands: ["select", "update"],
    });
    assert.deepEqual(parseObjectRequirement('"a.b"."c:d"(pan, cvv):select'), {
        schema: "a.b",
        table: "c:d",
        text: '"a.b"."c:d"(pan, cvv):select',
        commands: ["select"],
        columns: ["pan", "cvv"],
    });
    for (const [spec, reason] of [
        ["public.cards", /has no commands/],
        ["cards:select", /must name the schema too/],
        ["public.cards:truncate", /"truncate" is not a command object audit logs/],
        ["public.cards(pan):delete", /delete is audited per table/],
        ["public.cards(pan,):select", /empty column name/],
    ] as const) {
        const parsed = parseObjectRequirement(spec);
        assert.ok("error" in parsed, spec);
        assert.match(parsed.error, reason);
    }
});

test("posture coverage and the --require-object gate agree with what pgaudit really logs", async () => {
    const cluster = await startCluster();
    try {
        await cluster.sql("CREATE DATABASE shop OWNER avnadmin");
        await cluster.sql("CREATE DATABASE depot OWNER avnadmin");
        await cluster.adminSql("CREATE ROLE clerk LOGIN; CREATE ROLE bypass LOGIN; CREATE ROLE readers NOLOGIN"); // as aiven.PgUser makes them
        await cluster.sql("ALTER ROLE clerk SET pgaudit.log = 'none'");
        await cluster.sql("ALTER ROLE bypass SET pgaudit.log = 'none'");
        const admin = new pg.Client(cluster.adminConnection("shop"));
        await admin.connect();
        await admin.query("CREATE TABLE cards(id int, pan text); CREATE TABLE notes(body text)");
        await admin.query("GRANT SELECT, UPDATE ON cards, notes TO clerk, bypass; GRANT SELECT ON notes TO readers");
        await admin.end();
        // What the stack declares: the audit role's privileges, and pgaudit.role for shop.
        const checked = await pgAuditObjectAuditProvider.check!(
            {},
            {
                connection: cluster.adminConnection(),
                database: "shop",
                auditRole: "auditor",
                createRole: true,
                objects: [
                    { table: "public.cards", privileges: ["select"], columns: ["pan"] },
                    { table: "public.cards", privileges: ["update"] },
                ],
            },
        );
        await pgAuditObjectAuditProvider.create(checked.inputs);
        await cluster.sql("ALTER DATABASE shop SET pgaudit.role = 'auditor'");
        // By hand: one role escapes object audit in shop; the audit role inherits from readers.
        await cluster.sql("ALTER ROLE bypass IN DATABASE shop SET pgaudit.role = ''");
        await cluster.sql("GRANT readers TO auditor");

        const posture = await readAuditPosture(cluster.adminConnection());
        const roleOf = (role: string, db: string) =>
            posture.effective.find((p) => p.role === role && p.database === db)!.settings.find((s) => s.name === "pgaudit.role");
        assert.deepEqual(roleOf("clerk", "shop"), { name: "pgaudit.role", value: "auditor", from: { kind: "database", database: "shop" } });
        assert.deepEqual(roleOf("bypass", "shop"), { name: "pgaudit.role", value: "", from: { kind: "role-in-database", role: "bypass", database: "shop" } });
        assert.equal(roleOf("clerk", "depot")?.value, "");
        assert.deepEqual(posture.objectAudit, [
            {
                database: "shop",
                readable: true,
                auditRoles: [
                    {
                        name: "auditor",
                        exists: true,
                        grants: [
                            { schema: "public", table: "cards", column: null, privilege: "update", grantee: "auditor" },
                            { schema: "public", table: "cards", column: "pan", privilege: "select", grantee: "auditor" },
                            { schema: "public", table: "notes", column: null, privilege: "select", grantee: "readers" },
                        ],
                    },
                ],
                tables: [],
            },
        ]);
        // pgaudit agrees: the grant through readers audits clerk's reads of notes; bypass is not audited at all.
        assert.equal((await auditLinesOf(cluster, "clerk", "shop", ["SELECT body FROM notes"])).length, 1);
        assert.equal((await auditLinesOf(cluster, "clerk", "shop", ["UPDATE cards SET pan = pan"])).length, 1);
        assert.deepEqual(await auditLinesOf(cluster, "bypass", "shop", ["UPDATE cards SET pan = pan", "SELECT pan FROM cards"]), []);

        const text = await cli(["--connection", cluster.adminUri()]);
        assert.equal(text.code, EXIT_OK);
        assert.match(text.out, /Effective pgaudit\.role at login/);
        assert.match(text.out, /clerk +shop +auditor +database/);
        assert.match(text.out, /bypass +shop +\(none\) +role in database/);
        assert.match(text.out, /shop +auditor +public\.notes +\(all\) +select +via readers/);
        assert.match(text.out, /shop +auditor +public\.cards +pan +select/);

        const gate = await cli(["--connection", cluster.adminUri(), "--require-object", "public.cards:update", "--json"]);
        assert.equal(gate.code, EXIT_REQUIREMENT_VIOLATED, gate.err);
        const report = postureReportSchema.parse(JSON.parse(gate.out));
        assert.equal(report.objectRequirement?.violations.length, 1);
        const [v] = report.objectRequirement.violations;
        assert.deepEqual([v.database, v.auditRole, v.roles, v.reason], ["shop", "", ["bypass"], "no-audit-role"]);
        assert.match(v.message, /database "shop": pgaudit\.role is empty \(from role "bypass" in database "shop"\).*Fix: set pgaudit\.role/);
        assert.deepEqual(report.posture.objectAudit?.find((d) => d.database === "shop")?.tables, [
            { schema: "public", table: "cards", columns: ["id", "pan"] },
        ]);
        assert.deepEqual(report.posture.objectAudit?.find((d) => d.database === "depot")?.tables, [], "depot was searched, and holds no cards");

        await cluster.sql("ALTER ROLE bypass IN DATABASE shop RESET pgaudit.role");
        assert.equal((await cli(["--connection", cluster.adminUri(), "--require-object", "public.cards:update"])).code, EXIT_OK);
        assert.equal((await auditLinesOf(cluster, "bypass", "shop", ["UPDATE cards SET pan = pan"])).length, 1, "and pgaudit now logs bypass too");

        // Table-wide select is required, only pan is audited: the fix names the grant and the database.
        const select = await cli(["--connection", cluster.adminUri(), "--require-object", "public.cards:select,update"]);
        assert.equal(select.code, EXIT_REQUIREMENT_VIOLATED);
        assert.match(
            select.out,
            /FAIL .*select on "public\.cards" not audited: audit role "auditor".*Fix: in database "shop", GRANT SELECT ON TABLE "public"\."cards" TO "auditor"/,
        );
        assert.equal((await auditLinesOf(cluster, "clerk", "shop", ["SELECT id FROM cards"])).length, 0, "indeed: a read of id is not logged");
        assert.equal((await cli(["--connection", cluster.adminUri(), "--require-object", "public.cards(pan):select,update"])).code, EXIT_OK);

        const missing = await cli(["--connection", cluster.adminUri(), "--require-object", "public.Cards:select"]);
        assert.equal(missing.code, EXIT_REQUIREMENT_VIOLATED);
        assert.match(missing.out, /no database holds table "public\.Cards"/);
        const usage = await cli(["--connection", cluster.adminUri(), "--require-object", "cards"]);
        assert.equal(usage.code, EXIT_USAGE_OR_CONNECTION);
        assert.match(usage.err, /--require-object "cards" has no commands/);
    } finally {
        await cluster.stop();
    }
});
