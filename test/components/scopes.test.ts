/**
 * PgAuditLogging's default shape under Pulumi mocks: one PgAuditScopes for every per-scope
 * setting; the per-scope shape on request; retainScopesOnDelete for switching between them.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import * as aiven from "@pulumi/aiven";
import * as pulumi from "@pulumi/pulumi";
import { PgAuditLogging, type PgAuditLoggingArgs } from "../../components";
import { componentMocks, valueOf } from "../support/mocks";

const SCOPES_TYPE = "pulumi-nodejs:dynamic/pgaudit:PgAuditScopes";
const SETTING_TYPE = "pulumi-nodejs:dynamic/pgaudit:PgAuditSetting";
const SIG_KEY = "4dabf18193072939515e22adb298388d";

const registrations = componentMocks();
const args = (extra: Partial<PgAuditLoggingArgs>): PgAuditLoggingArgs => ({
    project: "proj",
    service: { serviceName: "orders-pg", plan: "startup-4", pgVersion: "16" },
    ...extra,
});
function recorder() {
    const opts = new Map<string, pulumi.CustomResourceOptions>();
    const transformations: pulumi.ResourceTransformation[] = [
        (a) => {
            opts.set(a.name, a.opts);
            return undefined;
        },
    ];
    return { opts, transformations };
}
const of = (prefix: string, type: string) => registrations.filter((r) => r.name.startsWith(prefix) && r.type === type);

test("default: one PgAuditScopes holding every scope, secret connection, after the service and settingsDependOn; no per-scope resources", async () => {
    const rec = recorder();
    let dependency: pulumi.Resource | undefined;
    const c = new PgAuditLogging(
        "dflt",
        args({
            databases: { shop: { log: ["write"] } },
            roles: { app: { log: "all, -misc" } },
            roleDatabases: [{ role: "rep", database: "shop", settings: { log: ["read"] } }],
            adopt: true,
            exclusive: true,
            onUnresettable: "report",
            settingsDependOn: (pg) => [(dependency = new aiven.PgDatabase("dflt-db", { project: "proj", serviceName: pg.serviceName, databaseName: "shop" }))],
        }),
        { transformations: rec.transformations },
    );
    assert.ok(c.scopes);
    await valueOf(pulumi.all([c.urn, c.scopes.urn]));
    const [reg] = of("dflt", SCOPES_TYPE);
    assert.equal(reg.name, "dflt-scopes");
    // Every scope known at construction: registered as the map check writes (what state keeps).
    assert.deepEqual(JSON.parse(reg.inputs.scopes as string), {
        "database/shop": "log=write",
        "role/app": "log=all,-misc",
        "role/rep/database/shop": "log=read",
    });
    assert.equal(reg.inputs.adopt, true);
    assert.equal(reg.inputs.exclusive, true);
    assert.equal(reg.inputs.onUnresettable, "report");
    assert.equal((reg.inputs.connection as Record<string, unknown>)[SIG_KEY] !== undefined, true, "the connection is secret");
    const deps = rec.opts.get("dflt-scopes")!.dependsOn as unknown[];
    assert.ok(deps.includes(c.service) && deps.includes(dependency));
    assert.equal(rec.opts.get("dflt-scopes")!.retainOnDelete, undefined);
    assert.deepEqual(of("dflt", SETTING_TYPE), []);
    assert.deepEqual(of("dflt", "pulumi-nodejs:dynamic/pgaudit:PgAuditExclusive"), [], "exclusive is the PgAuditScopes' own");
    assert.deepEqual(c.settings, { databases: {}, roles: {}, roleDatabases: {} });
});

test("exclusive with no scopes is a PgAuditScopes with none; no scopes and no exclusive is no resource", async () => {
    const c = new PgAuditLogging("only-excl", args({ exclusive: true }));
    await valueOf(pulumi.all([c.urn, c.scopes!.urn]));
    assert.equal(of("only-excl", SCOPES_TYPE)[0].inputs.scopes, "{}");
    const none = new PgAuditLogging("no-scopes", args({}));
    await valueOf(none.urn);
    assert.equal(none.scopes, undefined);
});

test("retainScopesOnDelete marks whichever resources hold the settings retainOnDelete, for switching shapes", async () => {
    const rec = recorder();
    const a = new PgAuditLogging("keep-a", args({ roles: { app: { log: ["ddl"] } }, retainScopesOnDelete: true }), { transformations: rec.transformations });
    const b = new PgAuditLogging(
        "keep-b",
        args({ roles: { app: { log: ["ddl"] } }, databases: { shop: { log: ["ddl"] } }, settingsResource: "PgAuditSetting", retainScopesOnDelete: true }),
        { transformations: rec.transformations },
    );
    await valueOf(pulumi.all([a.urn, a.scopes!.urn, b.urn, b.settings.roles.app.urn, b.settings.databases.shop.urn]));
    assert.equal(rec.opts.get("keep-a-scopes")!.retainOnDelete, true);
    assert.equal(rec.opts.get("keep-b-role-app")!.retainOnDelete, true);
    assert.equal(rec.opts.get("keep-b-db-shop")!.retainOnDelete, true);
    assert.equal(b.scopes, undefined);
    assert.deepEqual(of("keep-b", SCOPES_TYPE), []);
});

test("settingsResource and retainScopesOnDelete are checked at construction with the other arguments", () => {
    assert.throws(
        () =>
            new PgAuditLogging(
                "bad-shape",
                args({ settingsResource: "PerScope" as never, retainScopesOnDelete: "yes" as never, roles: { app: { log: ["dll"] } } }),
            ),
        (err: Error) => {
            assert.match(err.message, /settingsResource: must be one of "PgAuditScopes", "PgAuditSetting"/);
            assert.match(err.message, /retainScopesOnDelete: must be true or false/);
            assert.match(err.message, /roles\["app"\]\.log\[0\]/);
            return true;
        },
    );
});
