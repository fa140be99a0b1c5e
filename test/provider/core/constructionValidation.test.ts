// PgAuditSetting and PgAuditExclusive check their inputs at construction, with the provider's own
// schemas and messages, so a program under mocks (where providers never run) fails as a preview
// would, before anything is registered. Outputs are checked once they resolve.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { PgAuditExclusive, PgAuditInputError, PgAuditObjectAudit, PgAuditSetting } from "../../../provider";
import { checkInputs } from "../../../provider/setting/lifecycle";
import { setMocks } from "../../support/mocks";

const registered: string[] = [];
setMocks(
    {
        newResource: (args) => {
            registered.push(args.name);
            return { id: `${args.name}-id`, state: args.inputs };
        },
        call: (args) => args.inputs,
    },
    "pgaudit-test",
    "test",
);

const PASSWORD = "pw-Zq81vV3kRt";
const URI = `postgresql://avnadmin:${PASSWORD}@pg.example:5432/defaultdb?sslmode=require`;

function thrownBy(construct: () => unknown): PgAuditInputError {
    try {
        construct();
    } catch (err) {
        assert.ok(err instanceof PgAuditInputError, `expected PgAuditInputError, got ${String(err)}`);
        assert.ok(err instanceof pulumi.RunError, "a RunError, so the CLI prints the message without a stack");
        return err;
    }
    assert.fail("construction did not throw");
}

test("PgAuditSetting: a misspelled class fails at construction with check's message, and nothing is registered", () => {
    const err = thrownBy(() => new PgAuditSetting("typo", { connection: URI, role: "app", settings: { log: ["read", "reed"] } }));
    assert.match(err.message, /^PgAuditSetting "typo": settings\.log\[1\]: "reed" is not a pgaudit class; expected one of read, write/);
    // The same words as the provider's check at preview.
    const { failures } = checkInputs({ connection: URI, role: "app", settings: { log: ["read", "reed"] } });
    assert.deepEqual(
        err.problems,
        failures.map((f) => `${f.property}: ${f.reason}`),
    );
    assert.ok(!registered.includes("typo"));
});

test("PgAuditSetting: every failure at once, and no message carries a value of connection", () => {
    const err = thrownBy(
        () =>
            new PgAuditSetting("many", {
                connection: { host: "pg.example", port: 99999, user: "avnadmin", password: PASSWORD, database: "defaultdb", sslMode: "prefer" },
                settings: { log: "ddl", logLevel: "loud" as never, bogus: true } as never,
            }),
    );
    assert.equal(err.problems.length, 5, err.message);
    for (const field of ["connection.port", "connection.sslMode", "settings.logLevel", "settings.bogus"]) {
        assert.ok(
            err.problems.some((p) => p.startsWith(`${field}:`)),
            `${field} in ${err.message}`,
        );
    }
    assert.ok(
        err.problems.some((p) => p.startsWith("database:") || p.startsWith("role:")),
        "a scope is required",
    );
    assert.ok(!err.message.includes(PASSWORD) && !err.message.includes("pg.example"), err.message);

    const uri = thrownBy(() => new PgAuditSetting("uri", { connection: `${URI.replace("require", "prefer")}`, database: "shop", settings: {} }));
    assert.ok(!uri.message.includes(PASSWORD), uri.message);
    assert.match(uri.message, /connection/);
});

test("PgAuditExclusive: bad declared scopes and options fail at construction", () => {
    const err = thrownBy(
        () =>
            new PgAuditExclusive("x", {
                connection: URI,
                declaredScopes: [{ database: "shop" }, { role: "" }],
                onUnresettable: "ignore" as never,
            }),
    );
    assert.match(err.message, /^PgAuditExclusive "x": /);
    assert.ok(
        err.problems.some((p) => p.startsWith("declaredScopes[1].role: must not be empty")),
        err.message,
    );
    assert.ok(
        err.problems.some((p) => p.startsWith("onUnresettable:")),
        err.message,
    );
    assert.ok(!registered.includes("x"));
});

test("good input registers, with Outputs passed through (and the connection still secret)", async () => {
    const role = pulumi.output("app");
    const setting = new PgAuditSetting("good", { connection: pulumi.output(URI), role, database: "shop", settings: { log: ["ddl", "-misc"] } });
    const exclusive = new PgAuditExclusive("goodx", { connection: URI, declaredScopes: [{ role, database: "shop" }] });
    const [scope, secret] = await new Promise<[unknown, boolean]>((resolve) =>
        pulumi.all([setting.role, pulumi.isSecret((setting as unknown as { connection: pulumi.Output<string> }).connection)]).apply(resolve),
    );
    await new Promise((resolve) => exclusive.urn.apply(resolve));
    assert.equal(scope, "app");
    assert.equal(secret, true);
    assert.ok(registered.includes("good") && registered.includes("goodx"));
});

test("a bad value known only through an Output fails the program once it resolves, naming the field", { timeout: 60000 }, () => {
    // node:test would count the program's rejection against the running test: run it in a child.
    const provider = path.resolve(__dirname, "..", "..", "..", "provider");
    const script = `
const pulumi = require("@pulumi/pulumi");
pulumi.runtime.setMocks({ newResource: (a) => ({ id: a.name, state: a.inputs }), call: (a) => a.inputs }, "p", "s", false);
process.on("unhandledRejection", (err) => { console.error("REJECTED " + (err && err.message)); process.exit(3); });
setTimeout(() => { console.error("TIMEOUT"); process.exit(4); }, 8000).unref();
const { PgAuditSetting } = require(${JSON.stringify(provider)});
const r = new PgAuditSetting("later", { connection: ${JSON.stringify(URI)}, role: "app", settings: pulumi.output({ log: ["ddl", "reed"] }) });
console.error("CONSTRUCTED");
r.urn.apply(() => setTimeout(() => process.exit(0), 200));
`;
    const result = spawnSync(process.execPath, ["-e", script], { cwd: path.resolve(__dirname, "..", "..", "..", ".."), encoding: "utf8", timeout: 20000 });
    assert.equal(result.status, 3, result.stderr);
    assert.match(result.stderr, /^CONSTRUCTED\n/, "construction itself does not throw for an Output");
    assert.match(result.stderr, /REJECTED (error serializing property "\w+": )*PgAuditSetting "later": settings\.log\[1\]: "reed" is not a pgaudit class/);
    assert.ok(!result.stderr.includes(PASSWORD));
});

test("PgAuditObjectAudit: a column on delete and a bad table name fail at construction", () => {
    const err = thrownBy(
        () =>
            new PgAuditObjectAudit("cards", {
                connection: URI,
                database: "shop",
                auditRole: "auditor",
                objects: [
                    { table: "public.cards", privileges: ["delete"], columns: ["pan"] },
                    { table: "cards", privileges: ["select"] },
                ],
            }),
    );
    assert.match(err.message, /^PgAuditObjectAudit "cards": /);
    assert.ok(
        err.problems.some((p) => p.startsWith("objects[0]")),
        err.message,
    );
    assert.ok(
        err.problems.some((p) => p.startsWith("objects[1].table")),
        err.message,
    );
    assert.ok(!registered.includes("cards"));
});
