/**
 * Bad input is refused by check (what `pulumi preview` runs), all failures at once, each naming
 * the property and the fix, and none of it reaches the database: not even create, called with
 * the unchecked input, opens a connection.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { closeAllPools, connectionStats, UNKNOWN } from "../../../provider";
import { pgAuditSettingProvider as provider } from "../../support/providers";
import { startCluster, type TestCluster } from "../../../sandbox/cluster";
import { wholeCatalog } from "../../support/scopes";

let cluster: TestCluster;
before(async () => {
    cluster = await startCluster();
    await cluster.adminSql(`CREATE ROLE app LOGIN`);
});
after(async () => {
    await closeAllPools();
    await cluster.stop();
});

/** The valid input each case spoils. */
type Valid = {
    connection: string;
    role: string;
    settings: { log: string[] };
};
type Case = [name: string, mutate: (valid: Valid) => Record<string, unknown>, property: string, reason: RegExp];

const CASES: Case[] = [
    [
        "unknown class",
        (v) => ({ ...v, settings: { log: ["read", "reed"] } }),
        "settings.log[1]",
        /"reed" is not a pgaudit class; expected one of read, write, function, role, ddl, misc, misc_set, all, none/,
    ],
    ["unknown class in a comma string", (v) => ({ ...v, settings: { log: "read,dll" } }), "settings.log", /"dll" is not a pgaudit class/],
    ["empty item", (v) => ({ ...v, settings: { log: "read,,ddl" } }), "settings.log", /is empty \(two commas in a row/],
    ["two classes in one item", (v) => ({ ...v, settings: { log: ["read ddl"] } }), "settings.log[0]", /not one class/],
    ["space after the minus", (v) => ({ ...v, settings: { log: ["- read"] } }), "settings.log[0]", /not one class/],
    ["lone minus", (v) => ({ ...v, settings: { log: ["-"] } }), "settings.log[0]", /not one class/],
    ["log of the wrong type", (v) => ({ ...v, settings: { log: 5 } }), "settings.log", /must be a list of pgaudit classes/],
    ["log item of the wrong type", (v) => ({ ...v, settings: { log: ["read", 7] } }), "settings.log[1]", /must be a pgaudit class name/],
    ["unknown setting", (v) => ({ ...v, settings: { log: ["ddl"], logg: true } }), "settings.logg", /not a known property; expected one of log, logCatalog/],
    ["snake_case setting", (v) => ({ ...v, settings: { log_catalog: false } }), "settings.log_catalog", /not a known property/],
    ["no setting at all", (v) => ({ ...v, settings: {} }), "settings", /declare at least one pgaudit setting/],
    ["settings missing", (v) => ({ ...v, settings: undefined }), "settings", /is required: an object of pgaudit settings/],
    ["boolean as a string", (v) => ({ ...v, settings: { logCatalog: "off" } }), "settings.logCatalog", /must be true or false/],
    ["logLevel not a level", (v) => ({ ...v, settings: { logLevel: "verbose" } }), "settings.logLevel", /must be one of debug1, .*log/],
    ["logLevel error", (v) => ({ ...v, settings: { logLevel: "error" } }), "settings.logLevel", /pgaudit refuses error, fatal and panic/],
    ["negative parameter size", (v) => ({ ...v, settings: { logParameterMaxSize: -1 } }), "settings.logParameterMaxSize", /must be 0 \(no limit\) or more/],
    ["fractional parameter size", (v) => ({ ...v, settings: { logParameterMaxSize: 1.5 } }), "settings.logParameterMaxSize", /whole number/],
    ["string length below -1", (v) => ({ ...v, settings: { logMaxStringLength: -2 } }), "settings.logMaxStringLength", /must be -1 \(no cropping\) or more/],
    ["string length above Aiven's limit", (v) => ({ ...v, settings: { logMaxStringLength: 102401 } }), "settings.logMaxStringLength", /at most 102400/],
    ["pgaudit.role too long", (v) => ({ ...v, settings: { role: "r".repeat(64) } }), "settings.role", /63-byte name limit/],
    ["no scope", (v) => ({ ...v, database: undefined, role: undefined }), "database", /set database, role, or both/],
    ["empty database", (v) => ({ ...v, database: "" }), "database", /must not be empty/],
    ["database name too long", (v) => ({ ...v, database: "d".repeat(64) }), "database", /63-byte name limit/],
    ["multibyte role name too long", (v) => ({ ...v, role: "é".repeat(32) }), "role", /63-byte name limit/],
    ["role with NUL", (v) => ({ ...v, role: "a\0b" }), "role", /NUL/],
    ["role not a string", (v) => ({ ...v, role: 42 }), "role", /must be a name/],
    ["adopt not a boolean", (v) => ({ ...v, adopt: "yes" }), "adopt", /must be true or false/],
    ["deadline zero", (v) => ({ ...v, connectDeadlineSeconds: 0 }), "connectDeadlineSeconds", /more than 0 seconds/],
    ["unknown top-level property", (v) => ({ ...v, databse: "x" }), "databse", /not a known property; expected one of connection, database, role/],
    ["connection missing", (v) => ({ ...v, connection: undefined }), "connection", /is required: a PostgreSQL URI/],
    ["connection not a URI", (v) => ({ ...v, connection: "host=localhost user=x" }), "connection", /is not a valid URI/],
    ["connection with another scheme", (v) => ({ ...v, connection: "mysql://u:p@h:1/d" }), "connection", /must start with postgresql:\/\//],
    [
        "URI with an unsupported parameter",
        (v) => ({ ...v, connection: v.connection + "&sslrootcert=/tmp/ca.pem" }),
        "connection",
        /query parameter "sslrootcert", which is not supported/,
    ],
    [
        "sslmode prefer",
        (v) => ({ ...v, connection: v.connection.replace("sslmode=disable", "sslmode=prefer") }),
        "connection.sslMode",
        /cannot fall back to plaintext/,
    ],
    [
        "sslMode unknown",
        (v) => ({ ...v, connection: { host: "h", user: "u", sslMode: "strict" } }),
        "connection.sslMode",
        /must be one of disable, require, verify-ca, verify-full/,
    ],
    [
        "verify-ca without a CA",
        (v) => ({ ...v, connection: { host: "h", user: "u", sslMode: "verify-ca" } }),
        "connection.caCert",
        /is required with sslMode verify-ca/,
    ],
    ["port out of range", (v) => ({ ...v, connection: { host: "h", user: "u", port: 70000 } }), "connection.port", /TCP port from 1 to 65535/],
    [
        "connection without user",
        (v) => ({ ...v, connection: { host: "h", password: "hunter2-secret" } }),
        "connection.user",
        /the role to connect as is required/,
    ],
    [
        "unknown connection field",
        (v) => ({ ...v, connection: { host: "h", user: "u", pasword: "x" } }),
        "connection.pasword",
        /not a known property; expected one of host, port, user, password/,
    ],
];

test(`${CASES.length} invalid inputs are refused by check, each naming its property; none reaches the database`, async () => {
    assert.ok(CASES.length >= 30);
    const valid: Valid = { connection: cluster.adminUri(), role: "app", settings: { log: ["ddl"] } };
    assert.deepEqual((await provider.check({}, valid)).failures, [], "the base input is valid");
    const catalogBefore = await wholeCatalog(cluster);
    for (const [name, mutate, property, reason] of CASES) {
        const news = JSON.parse(JSON.stringify(mutate(valid))) as Record<string, unknown>;
        const { failures } = await provider.check({}, news);
        const failure = failures?.find((f) => f.property === property);
        assert.ok(failure, `${name}: no failure for ${property} in ${JSON.stringify(failures)}`);
        assert.match(failure.reason, reason, name);
        // Whatever the engine did with it, create refuses the unchecked input before connecting.
        await assert.rejects(provider.create(news), /invalid PgAuditSetting properties/, name);
    }
    assert.equal(connectionStats().opened, 0, "no connection was opened");
    assert.equal(await wholeCatalog(cluster), catalogBefore);
});

test("all failures are reported at once", async () => {
    const { failures } = await provider.check({}, { connection: { host: "" }, settings: { log: ["x", "y"], logRows: 1 }, role: "" });
    const properties = failures!.map((f) => f.property).sort();
    assert.deepEqual(properties, ["connection.host", "connection.user", "role", "settings.logRows", "settings.log[0]", "settings.log[1]"]);
});

test("no failure message repeats the password", async () => {
    const password = "S3cret-Pa55word";
    const inputs = [
        { connection: `postgresql://u:${password}@h:99999/d`, role: "r", settings: { log: ["ddl"] } },
        { connection: `postgresql://u:${password}@h/d?sslmode=bogus`, role: "r", settings: { log: ["ddl"] } },
        { connection: `postgresql://u:${password}@h/d?password=${password}`, role: "r", settings: { log: ["ddl"] } },
        { connection: { host: "h", user: "u", password, port: "x" }, role: "r", settings: { log: ["ddl"] } },
        { connection: `not a uri ${password}`, role: "r", settings: { log: ["ddl"] } },
    ];
    for (const news of inputs) {
        const { failures } = await provider.check({}, news);
        assert.ok(failures!.length > 0);
        assert.ok(!JSON.stringify(failures).includes(password), JSON.stringify(failures));
        await assert.rejects(provider.create(news), (err: Error) => !err.message.includes(password));
    }
});

test("at preview, unknown values are neither validated nor normalized", async () => {
    const { failures, inputs } = await provider.check({}, { connection: UNKNOWN, role: UNKNOWN, settings: { log: ["ddl", UNKNOWN] } });
    assert.deepEqual(failures, []);
    assert.deepEqual(inputs, { connection: UNKNOWN, role: UNKNOWN, settings: { log: ["ddl", UNKNOWN] } });
    // Known parts are still checked.
    const mixed = await provider.check({}, { connection: UNKNOWN, role: "app", settings: { log: ["reed"] } });
    assert.deepEqual(
        mixed.failures!.map((f) => f.property),
        ["settings.log[0]"],
    );
    const diff = await provider.diff(
        "role/app",
        { role: "app", settings: { log: ["ddl"] }, connection: {} },
        { role: "app", settings: { log: UNKNOWN }, connection: UNKNOWN },
    );
    assert.deepEqual(diff, { changes: true, replaces: [] });
    const replace = await provider.diff("role/app", { role: "app", settings: { log: ["ddl"] } }, { role: UNKNOWN, settings: { log: ["ddl"] } });
    assert.deepEqual(replace.replaces, ["role"]);
});
