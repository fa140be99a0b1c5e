// PgAuditExclusive as a program registers it (under Pulumi's mocks): its type, its inputs, the
// connection kept secret, and a `__provider` that only names the package.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { PgAuditExclusive } from "../../../provider/exclusive/resource";
import { setMocks } from "../../support/mocks";

interface Registered {
    type: string;
    name: string;
    inputs: Record<string, unknown>;
}

const registered: Registered[] = [];

test("registers as pgaudit:PgAuditExclusive with a secret connection and a provider that loads the package by name", async () => {
    setMocks(
        {
            newResource: (args) => {
                registered.push({ type: args.type, name: args.name, inputs: args.inputs });
                return { id: "mock-id", state: args.inputs };
            },
            call: (args) => args.inputs,
        },
        "pgaudit-test",
        "test",
    );
    const database = pulumi.output("shop");
    const resource = new PgAuditExclusive("exclusive", {
        connection: "postgresql://avnadmin:s3cret@pg.example:12345/defaultdb?sslmode=require",
        declaredScopes: [{ database }, { role: "app", database }],
        onUnresettable: "report",
    });
    await new Promise((resolve) => resource.urn.apply(resolve));

    assert.equal(registered.length, 1);
    const [{ type, name, inputs }] = registered;
    assert.equal(type, "pulumi-nodejs:dynamic/pgaudit:PgAuditExclusive");
    assert.equal(name, "exclusive");
    assert.deepEqual(inputs.declaredScopes, [{ database: "shop" }, { role: "app", database: "shop" }]);
    assert.equal(inputs.onUnresettable, "report");
    // Mocks see secrets as their wire form: the connection must be one.
    assert.equal((inputs.connection as Record<string, unknown>)["4dabf18193072939515e22adb298388d"], "1b47061264138c4ac30d75fd1eb44270");
    const provider = inputs.__provider as string;
    assert.equal(typeof provider, "string");
    assert.match(provider, /require\("pulumi-aiven-pgaudit\/provider"\)\[name\]/);
    assert.match(provider, /name: "pgAuditExclusiveProvider"/);
    assert.ok(Buffer.byteLength(provider, "utf8") <= 2048, `__provider is ${Buffer.byteLength(provider, "utf8")} bytes`);
    assert.ok(!provider.includes("s3cret") && !provider.includes("shop"), "no input is captured in __provider");
});
