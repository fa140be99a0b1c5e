// The policy pack's policies on programs run under Pulumi's mocks, fed through @pulumi/policy's
// public API (test/support/policyHarness.ts): programs that must pass, and programs that must fail
// with a message naming the resource and the rule.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as aiven from "@pulumi/aiven";
import * as pulumi from "@pulumi/pulumi";
import { runPolicies, runProgram, type ProgramOptions } from "../support/policyHarness";
import { PgAuditLogging } from "../../components";
import { PgAuditScopes, PgAuditSetting } from "../../provider";
import { BASELINE_POLICY, pgAuditPolicies, VERSION_POLICY } from "../../policy/policies";

const CONNECTION = "postgresql://avnadmin:pw@db.example:5432/defaultdb?sslmode=require";
const policies = pgAuditPolicies();

const pg = (name: string, pgaudit: Record<string, unknown> | undefined, opts: ProgramOptions, pgVersion = "16") =>
    new aiven.Pg(name, { project: "p", plan: "startup-4", serviceName: name, pgUserConfig: { pgVersion, ...(pgaudit ? { pgaudit } : {}) } }, opts);

test("a PgAuditLogging with baseline stig, and per-scope settings at least as strong, passes", async () => {
    const resources = await runProgram((opts) => {
        new PgAuditLogging(
            "ok",
            { project: "p", service: { plan: "startup-4", serviceName: "ok", pgVersion: "16" }, baseline: "stig", roles: { app: { log: ["all", "-misc"] } } },
            opts,
        );
    });
    assert.ok(resources.some((r) => r.type === "aiven:index/pg:Pg"));
    // The component's default shape: one PgAuditScopes holding the role's settings.
    assert.ok(resources.some((r) => r.type === "pulumi-nodejs:dynamic/pgaudit:PgAuditScopes"));
    assert.deepEqual(await runPolicies(policies, resources), []);
});

test("an aiven.Pg with pgaudit disabled, or weaker than the baseline, fails naming the service and the rule", async () => {
    const resources = await runProgram((opts) => {
        pg("off", undefined, opts);
        pg("few", { featureEnabled: true, logs: ["ddl"] }, opts);
        pg("nocatalog", { featureEnabled: true, logs: ["all"], logCatalog: false }, opts);
        pg("good", { featureEnabled: true, logs: ["read", "write", "role", "ddl"] }, opts);
    });
    const messages = (await runPolicies(policies, resources)).map((v) => v.message);
    assert.equal(messages.length, 4, messages.join("\n"));
    const off = messages.filter((m) => m.includes('"off"'));
    assert.match(
        off[0],
        /^aiven\.Pg "off": pgUserConfig\.pgaudit\.featureEnabled is not true: pgaudit is not enabled, so nothing is audited: weaker than stig rule "enabled" \(V-233589\)/,
    );
    assert.match(off[1], /^aiven\.Pg "off": pgUserConfig\.pgaudit\.logs is not set \(pgaudit's default: \[\]\) and lacks ddl, role, read, write/);
    assert.match(
        messages.find((m) => m.includes('"few"'))!,
        /pgUserConfig\.pgaudit\.logs = \["ddl"\] lacks role, read, write: weaker than stig rule "log-classes" \(V-233557/,
    );
    assert.match(
        messages.find((m) => m.includes('"nocatalog"'))!,
        /logCatalog = false is not on: weaker than stig rule "log-catalog" \(V-233573\)/,
    );
});

test("the baseline comes from the pack's configuration: cis asks for ddl and write only", async () => {
    const resources = await runProgram((opts) => {
        pg("dw", { featureEnabled: true, logs: ["ddl", "write"] }, opts);
        pg("d", { featureEnabled: true, logs: ["ddl"] }, opts);
    });
    const stig = await runPolicies(policies, resources);
    assert.equal(stig.length, 2);
    const cis = await runPolicies(policies, resources, { [BASELINE_POLICY]: { baseline: "cis" } });
    assert.deepEqual(
        cis.map((v) => v.message),
        [
            `aiven.Pg "d": pgUserConfig.pgaudit.logs = ["ddl"] lacks write: weaker than cis rule "log-classes" (3.2). Fix: include write in pgUserConfig.pgaudit.logs`,
        ],
    );
    await assert.rejects(runPolicies(policies, resources, { [BASELINE_POLICY]: { baseline: "nist" } }), /unknown baseline "nist"; expected one of stig, cis/);
});

test("a PgAuditSetting that weakens the baseline fails, read left to right, unless the pack's configuration excuses its scope", async () => {
    const resources = await runProgram((opts) => {
        new PgAuditSetting("app-write", { connection: CONNECTION, role: "app", settings: { log: ["write"] } }, opts);
        new PgAuditSetting("all-but-read", { connection: CONNECTION, role: "batch", settings: { log: ["all", "-read"] } }, opts);
        new PgAuditSetting("read-then-all", { connection: CONNECTION, database: "shop", settings: { log: ["-read", "all"] } }, opts);
        new PgAuditSetting("catalog-off", { connection: CONNECTION, role: "app", database: "shop", settings: { log: ["all"], logCatalog: false } }, opts);
    });
    const messages = (await runPolicies(policies, resources)).map((v) => v.message);
    assert.equal(messages.length, 3, messages.join("\n"));
    assert.ok(
        messages.includes(
            `PgAuditSetting "app-write" (role "app"): settings.log = ["write"] lacks ddl, role, read: weaker than stig rule "log-classes" (V-233557, V-233563, V-233565, V-233567, V-233568, V-233570, V-233573, V-233574, V-233620, V-233621). Fix: include ddl, role, read in settings.log, or grant an exception in the policy pack's configuration`,
        ),
    );
    assert.ok(messages.some((m) => m.startsWith(`PgAuditSetting "all-but-read" (role "batch"): settings.log = ["all","-read"] lacks read`)));
    assert.ok(messages.some((m) => m.startsWith(`PgAuditSetting "catalog-off" (role "app" in database "shop"): settings.logCatalog = false is not on`)));

    const excused = await runPolicies(policies, resources, {
        [BASELINE_POLICY]: { exceptions: [{ role: "app", reason: "batch loads, audited by object logging" }] },
    });
    assert.equal(excused.length, 2, "only role app (not role app in database shop) is excused");
    assert.ok(!excused.some((v) => v.message.includes('"app-write"')));
});

test("PgAuditScopes: each scope of the map its check writes is checked and named by its key", async () => {
    const resources = await runProgram((opts) => {
        new PgAuditScopes(
            "scopes",
            {
                connection: CONNECTION,
                scopes: [
                    { database: "shop", settings: { log: ["ddl", "role", "read", "write"] } },
                    { role: "app", settings: { log: ["read"] } },
                    { role: "app", database: "shop", settings: { log: "all" } },
                ],
            },
            opts,
        );
    });
    assert.deepEqual(
        (await runPolicies(policies, resources)).map((v) => v.message),
        [
            `PgAuditScopes "scopes" (role "app"): scopes["role/app"].log = ["read"] lacks ddl, role, write: weaker than stig rule "log-classes" (V-233557, V-233563, V-233565, V-233567, V-233568, V-233570, V-233573, V-233574, V-233620, V-233621). Fix: include ddl, role, write in the scope's settings.log, or grant an exception in the policy pack's configuration`,
        ],
    );
});

test("PgAuditScopes: a group scope weaker than the baseline fails, and no exception excuses it; a strong one passes", async () => {
    const resources = await runProgram((opts) => {
        new PgAuditScopes(
            "scopes",
            {
                connection: CONNECTION,
                scopes: [{ role: "app", settings: { log: "all" } }],
                groups: [
                    { group: "analysts", settings: { log: ["read"] } },
                    { group: "auditors", database: "shop", settings: { log: "all" } },
                ],
            },
            opts,
        );
    });
    const expected = [
        `PgAuditScopes "scopes" (the members of group "analysts"): groups["group/analysts"].log = ["read"] lacks ddl, role, write: weaker than stig rule "log-classes" (V-233557, V-233563, V-233565, V-233567, V-233568, V-233570, V-233573, V-233574, V-233620, V-233621). Fix: include ddl, role, write in the scope's settings.log, or declare a member that may be weaker on its own, with an exception in the policy pack's configuration`,
    ];
    assert.deepEqual(
        (await runPolicies(policies, resources)).map((v) => v.message),
        expected,
    );
    // An exception names a role or a database; it cannot excuse a group (whose members change).
    const excused = pgAuditPolicies({ exceptions: [{ role: "analysts", reason: "not a group exception" }] });
    assert.deepEqual(
        (await runPolicies(excused, resources)).map((v) => v.message),
        expected,
    );
});

test("per-scope settings on a service below PostgreSQL 15 fail the stack, found through dependsOn or a shared parent", async () => {
    const resources = await runProgram((opts) => {
        const old = pg("old", { featureEnabled: true, logs: ["all"] }, opts, "14");
        const current = pg("current", { featureEnabled: true, logs: ["all"] }, opts, "16");
        new PgAuditSetting("on-old", { connection: CONNECTION, role: "app", settings: { log: ["all"] } }, { ...opts, dependsOn: [old] });
        new PgAuditSetting("on-current", { connection: CONNECTION, role: "app", settings: { log: ["all"] } }, { ...opts, dependsOn: [current] });
        const group = new pulumi.ComponentResource("acme:index:Db", "group", {}, opts);
        new aiven.Pg(
            "grouped",
            { project: "p", plan: "startup-4", serviceName: "grouped", pgUserConfig: { pgVersion: "13", pgaudit: { featureEnabled: true, logs: ["all"] } } },
            { parent: group },
        );
        new PgAuditScopes("grouped-scopes", { connection: CONNECTION, scopes: [{ role: "app", settings: { log: ["all"] } }] }, { parent: group });
    });
    const versions = (await runPolicies(policies, resources)).filter((v) => v.policy === VERSION_POLICY);
    assert.deepEqual(
        versions.map((v) => v.message),
        [
            `PgAuditSetting "on-old" writes per-scope pgaudit settings on aiven.Pg "old", whose pgUserConfig.pgVersion is "14": Aiven allows them from PostgreSQL 15. Fix: upgrade the service (pgVersion "15" or later), or remove the per-scope settings`,
            `PgAuditScopes "grouped-scopes" writes per-scope pgaudit settings on aiven.Pg "grouped", whose pgUserConfig.pgVersion is "13": Aiven allows them from PostgreSQL 15. Fix: upgrade the service (pgVersion "15" or later), or remove the per-scope settings`,
        ],
    );
    assert.ok(
        versions.every((v) => v.urn?.includes("::on-old") || v.urn?.includes("::grouped-scopes")),
        "each violation carries the per-scope resource's URN",
    );
});

test("enforcement: mandatory by default, advisory on request; the configuration schema names what the pack's config takes", () => {
    assert.deepEqual(
        policies.map((p) => [p.name, p.enforcementLevel]),
        [
            [BASELINE_POLICY, "mandatory"],
            [VERSION_POLICY, "mandatory"],
        ],
    );
    assert.deepEqual(
        pgAuditPolicies({ enforcementLevel: "advisory" }).map((p) => p.enforcementLevel),
        ["advisory", "advisory"],
    );
    assert.deepEqual(Object.keys(policies[0].configSchema?.properties ?? {}), ["baseline", "exceptions"]);
});
