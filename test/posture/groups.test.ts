/**
 * `pgaudit-posture --require-group` and the origin column against PostgreSQL + pgaudit, read as
 * avnadmin: every current login member of a group (nested groups included) must meet the
 * classes; a member who joined since the last apply fails; a NOLOGIN member is reported, not
 * required; a missing group fails closed; the FROM column names the group scope that set a value.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { closeAllPools } from "../../provider/connection";
import { pgAuditScopesProvider } from "../../provider";
import { runPostureCli, EXIT_OK, EXIT_REQUIREMENT_VIOLATED, EXIT_USAGE_OR_CONNECTION } from "../../posture/cli";
import { postureReportSchema } from "../../posture/model";
import { startCluster, type TestCluster } from "../../sandbox/cluster";

let cluster: TestCluster;

before(async () => {
    cluster = await startCluster();
    await cluster.adminSql(
        `CREATE ROLE analysts NOLOGIN; CREATE ROLE nested NOLOGIN; CREATE ROLE ann LOGIN; CREATE ROLE ben LOGIN; CREATE ROLE "new
hire" LOGIN;
         GRANT analysts TO ann, nested; GRANT nested TO ben`,
    );
    // The group scope applied by the provider itself, as `pulumi up` would: ann and ben get read,write.
    const checked = await pgAuditScopesProvider.check!(
        {},
        {
            connection: cluster.adminUri(),
            scopes: [],
            groups: [{ group: "analysts", settings: { log: ["read", "write"] } }],
            owner: { stack: "proj/dev", resource: 'PgAuditScopes "s"' },
        },
    );
    assert.deepEqual(checked.failures ?? [], []);
    await pgAuditScopesProvider.create(checked.inputs);
});
after(async () => {
    await closeAllPools();
    await cluster?.stop();
});

async function cli(argv: string[]): Promise<{ code: number; out: string; err: string }> {
    let out = "";
    let err = "";
    const code = await runPostureCli(
        ["--connection", cluster.adminUri(), ...argv],
        {},
        { stdout: (t) => (out += t), stderr: (t) => (err += t), readFile: () => "" },
    );
    return { code, out, err };
}

test("every member meets it: exit 0, and the FROM column names the group scope", async () => {
    const { code, out } = await cli(["--require-group", "analysts:read,write"]);
    assert.equal(code, EXIT_OK, out);
    assert.match(out, /Group requirement: every login member of group "analysts" audits read, write/);
    assert.match(out, /OK: 2 login member\(s\), \d+ member × database pairs checked; not required: 1 without LOGIN \("nested"\)/);
    const ann = out.split("\n").find((l) => /^\s*ann\s+postgres\s/.test(l));
    assert.ok(ann, out);
    assert.match(ann, /role via group "analysts"/);
    const json = postureReportSchema.parse(JSON.parse((await cli(["--json", "--require-group", "analysts:read"])).out));
    assert.deepEqual(
        json.groups?.holders.map((h) => [h.role, h.database, h.groups.map((g) => [g.group, g.stack])]),
        [
            ["ann", null, [["analysts", "proj/dev"]]],
            ["ben", null, [["analysts", "proj/dev"]]],
        ],
    );
});

test("a member who joined since the apply fails, named (hostile name rendered as text); so does a missing group", async () => {
    await cluster.adminSql(`GRANT nested TO "new\nhire"`);
    try {
        const { code, out } = await cli(["--require-group", "analysts:read,write", "--require-group", "Analysts:read"]);
        assert.equal(code, EXIT_REQUIREMENT_VIOLATED, out);
        assert.match(out, /FAIL role "new\\nhire" in database "postgres": pgaudit\.log = 'none' lacks read, write; set by the server-wide value/);
        assert.doesNotMatch(out, /new\nhire/, "the newline is shown escaped, never raw");
        assert.match(out, /FAIL group "Analysts" does not exist/);
        assert.match(out, /run pulumi up --refresh of the stack that declares the group scope/);
        assert.doesNotMatch(out, /FAIL role "ann"/);
    } finally {
        await cluster.adminSql(`REVOKE nested FROM "new\nhire"`);
    }
});

test("bad --require-group values are usage errors naming the fix", async () => {
    for (const [arg, message] of [
        ["analysts", /--require-group takes GROUP:CLASSES/],
        [":read", /--require-group takes GROUP:CLASSES/],
        ["analysts:reed", /--require-group: "reed" is not a pgaudit class/],
    ] as const) {
        const { code, err } = await cli(["--require-group", arg]);
        assert.equal(code, EXIT_USAGE_OR_CONNECTION, arg);
        assert.match(err, message);
    }
});
