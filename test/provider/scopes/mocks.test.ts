/**
 * PgAuditScopes under Pulumi mocks: bad input fails at construction with every failure and its
 * path, before anything is registered; what it registers (type, secret connection, the list as
 * given); and the `__provider` budget, the same as PgAuditSetting's.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { PgAuditInputError, PgAuditScopes } from "../../../provider";
import { registerUnderMocks, serializeUnderMocks } from "../../support/engineHarness";
import { SCOPES_TYPE } from "../../support/scopesStack";

const SECRET = "mock-secret-Qp93";
const CONNECTION = `postgresql://avnadmin:${SECRET}@db.example:5432/defaultdb`;

test("bad input throws at construction, every failure with its path, no value of the connection", () => {
    assert.throws(
        () =>
            new PgAuditScopes("bad", {
                connection: `postgresql://avnadmin:${SECRET}@db.example:0/defaultdb`,
                scopes: [
                    { role: "app", settings: { log: ["ddl"] } },
                    { role: "app", settings: { log: ["ddl"] } },
                    { database: "shop", settings: { log: ["read", "wirte"] } },
                    { settings: { log: ["ddl"] } },
                ],
                connectDeadlineSeconds: -1,
            }),
        (err: Error) => {
            assert.ok(err instanceof PgAuditInputError);
            assert.match(err.message, /^PgAuditScopes "bad": /);
            for (const part of [
                /connection\.port: must be a TCP port/,
                /scopes\[1\]: declares role "app" again \(first at scopes\[0\]\)/,
                /scopes\[2\]\.settings\.log\[1\]: "wirte" is not a pgaudit class/,
                /scopes\[3\]: set database, role, or both/,
                /connectDeadlineSeconds: must be more than 0 seconds/,
            ]) {
                assert.match(err.message, part);
            }
            assert.ok(!err.message.includes(SECRET));
            return true;
        },
    );
});

test("values that are Outputs pass on to be checked when they resolve; the known ones around them are checked now", async () => {
    assert.throws(
        () =>
            new PgAuditScopes("half", {
                connection: pulumi.secret(CONNECTION),
                scopes: [
                    { role: pulumi.output("app"), settings: { log: ["ddl"] } },
                    { role: "rep", settings: pulumi.output({ log: ["ddl"] }) },
                    { role: "rep2", settings: { logRows: "yes" as unknown as boolean } },
                ],
            }),
        /scopes\[2\]\.settings\.logRows: must be true or false/,
    );
    const inputs = await serializeUnderMocks(
        () =>
            new PgAuditScopes("outputs", {
                connection: pulumi.secret(CONNECTION),
                scopes: pulumi.output([{ role: "app", settings: { log: ["ddl"] } }]),
            }),
    );
    assert.deepEqual(inputs.scopes, [{ role: "app", settings: { log: ["ddl"] } }]);
});

test("registers one PgAuditScopes with the connection secret and a plain list as the text check writes; the output is the map; __provider at most 2 KB, loading only the package", async () => {
    let resource: PgAuditScopes | undefined;
    const [reg] = await registerUnderMocks(
        () =>
            (resource = new PgAuditScopes("reg", {
                connection: CONNECTION,
                scopes: Array.from({ length: 50 }, (_, i) => ({ role: `r${i}`, settings: { log: ["ddl"] } })),
                exclusive: true,
            })),
    );
    assert.equal(reg.type, SCOPES_TYPE);
    assert.equal(reg.inputs.connection, CONNECTION);
    // One string crosses the SDK and the engine (10,000 list objects or map entries cost far more).
    const expected = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`role/r${i}`, "log=ddl"]));
    assert.equal(typeof reg.inputs.scopes, "string");
    assert.deepEqual(JSON.parse(reg.inputs.scopes as string), expected);
    // The mocks hand the inputs back as the state: the output decodes the text.
    assert.deepEqual(await new Promise((resolve) => resource!.scopes.apply(resolve)), expected);
    assert.equal(reg.inputs.exclusive, true);
    const provider = reg.inputs.__provider as string;
    assert.ok(Buffer.byteLength(provider) <= 2048, `__provider is ${Buffer.byteLength(provider)} bytes:\n${provider}`);
    assert.deepEqual([...new Set([...provider.matchAll(/require\(([^)]*)\)/g)].map((m) => m[1]))], [`"pulumi-aiven-pgaudit/provider"`]);
    assert.match(provider, /pgAuditScopesProvider/);
    assert.ok(!provider.includes(SECRET) && !provider.includes("r49"), "no input is captured in __provider");
});
