// PgAuditLogging's `baseline` and `exceptions` under Pulumi's mocks: the baseline fills the
// service-level block, refuses a weaker one and weaker per-scope settings at construction naming
// the rule, and the outputs record the baseline and each exception with what it excuses.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { PgAuditLogging, PgAuditLoggingError, type PgAuditLoggingArgs } from "../../components";
import { defineBaseline } from "../../baselines";
import { setMocks } from "../support/mocks";

setMocks(
    {
        newResource: (args) => ({
            id: `${args.name}-id`,
            state: { ...args.inputs, serviceHost: "h.example", servicePort: 5432, serviceUsername: "avnadmin", servicePassword: "pw" },
        }),
        call: (args) => ({ project: args.inputs.project, caCert: "CA" }),
    },
    "baseline-test",
    "test",
);

const valueOf = <T>(output: pulumi.Output<T>) => new Promise<T>((resolve) => output.apply(resolve));
const service = { plan: "startup-4", serviceName: "db", pgVersion: "16" };
const make = (name: string, args: Partial<PgAuditLoggingArgs>) => new PgAuditLogging(name, { project: "p", service, ...args });

function problemsOf(fn: () => unknown): readonly string[] {
    try {
        fn();
    } catch (err) {
        assert.ok(err instanceof PgAuditLoggingError, String(err));
        return err.problems;
    }
    assert.fail("expected PgAuditLoggingError");
}

test('baseline "stig" fills the service-level block with what the STIG requires, and the output records the baseline', async () => {
    const c = make("filled", { baseline: "stig" });
    assert.deepEqual(await valueOf(c.pgaudit), { featureEnabled: true, logs: ["ddl", "role", "read", "write"], logCatalog: true });
    const record = await valueOf(c.baseline!);
    assert.equal(record.name, "stig");
    assert.equal(record.version, "V3R1");
    assert.deepEqual(
        record.rules.map((r) => r.id),
        ["enabled", "log-classes", "log-catalog", "server-log"], // server-log: built into every baseline
    );
    assert.deepEqual(record.exceptions, []);
    // An explicit, stronger block is kept as written.
    assert.deepEqual((await valueOf(make("stronger", { baseline: "stig", audit: { logs: ["all"], logParameter: true } }).pgaudit)).logs, ["all"]);
});

test("an explicit audit weaker than the baseline fails at construction, naming the field and the rule", () => {
    const problems = problemsOf(() => make("weak", { baseline: "stig", audit: { logs: ["ddl", "write"], logCatalog: false } }));
    assert.deepEqual(problems, [
        `audit.logs = ["ddl","write"] lacks role, read: weaker than stig rule "log-classes" (V-233557, V-233563, V-233565, V-233567, V-233568, V-233570, V-233573, V-233574, V-233620, V-233621). Fix: include role, read in audit.logs, or leave audit.logs unset for the baseline to fill`,
        `audit.logCatalog = false is not on: weaker than stig rule "log-catalog" (V-233573). Fix: set audit.logCatalog to true, or leave it unset for the baseline to fill`,
    ]);
    assert.match(
        problemsOf(() => make("off", { baseline: "cis", audit: { featureEnabled: false } }))[0],
        /^audit\.featureEnabled is false: pgaudit is not enabled, so nothing is audited: weaker than cis rule "enabled" \(3\.2\)/,
    );
});

test("a per-scope setting that makes a login scope weaker fails, unless an exception names the scope; the output records it", async () => {
    const problems = problemsOf(() => make("scoped", { baseline: "stig", roles: { app: { log: ["write"] } }, databases: { shop: { log: ["-read", "all"] } } }));
    assert.deepEqual(problems, [
        `roles["app"].log = ["write"] lacks ddl, role, read: sessions of role "app" would be weaker than stig rule "log-classes" (V-233557, V-233563, V-233565, V-233567, V-233568, V-233570, V-233573, V-233574, V-233620, V-233621). Fix: include ddl, role, read in roles["app"].log, or list the scope in exceptions: [{ role: "app", reason: "…" }]`,
    ]);
    const c = make("excused", {
        baseline: "stig",
        roles: { app: { log: ["write"] } },
        exceptions: [{ role: "app", reason: "bulk loader; its tables have object audit logging" }],
        // One resource per scope, to read the role's settings by name.
        settingsResource: "PgAuditSetting",
    });
    assert.deepEqual((await valueOf(c.baseline!)).exceptions, [
        { role: "app", reason: "bulk loader; its tables have object audit logging", excuses: ["log-classes"] },
    ]);
    assert.deepEqual(await valueOf(c.settings.roles.app.settings), { log: ["write"] });
});

test("exceptions must name a declared scope that the baseline would refuse, with a reason, and need a baseline", () => {
    assert.deepEqual(
        problemsOf(() =>
            make("stale", {
                baseline: "stig",
                roles: { app: { log: ["all"] } },
                exceptions: [
                    { role: "app", reason: "old" },
                    { database: "shop", reason: "x" },
                    { role: "ops", reason: " " },
                ],
            }),
        ),
        [
            `exceptions[1]: database "shop" has no per-scope settings here; an exception names a scope of databases, roles or roleDatabases`,
            `exceptions[2].reason: must say why (it is recorded for auditors)`,
            `exceptions[0]: role "app" meets stig; remove the exception (one that excuses nothing misleads auditors)`,
        ],
    );
    assert.deepEqual(
        problemsOf(() => make("nobaseline", { exceptions: [{ role: "app", reason: "x" }] })),
        [`exceptions: excuse scopes from a baseline; set baseline too, e.g. baseline: "stig"`],
    );
    assert.match(problemsOf(() => make("unknown", { baseline: "pci" }))[0], /^baseline: unknown baseline "pci"; expected one of stig, cis/);
});

test("a baseline declared in code works the same way, and a wrong one is refused naming the field", async () => {
    const acme = defineBaseline({
        name: "acme",
        title: "ACME audit standard",
        source: { document: "ACME DB standard", version: "2026.1" },
        rules: [
            {
                id: "functions",
                kind: "classes",
                classes: ["function", "misc_set"],
                says: "calls and SETs are audited",
                references: [{ id: "DB-7", title: "Audit function calls" }],
            },
            {
                id: "parameters",
                kind: "setting",
                setting: "logParameter",
                value: true,
                says: "bind parameters are logged",
                references: [{ id: "DB-8", title: "Log parameters" }],
            },
        ],
    });
    assert.deepEqual(await valueOf(make("acme", { baseline: acme }).pgaudit), { featureEnabled: true, logs: ["function", "misc_set"], logParameter: true });
    // misc includes misc_set, as pgaudit reads it.
    assert.doesNotThrow(() => make("misc", { baseline: acme, roles: { app: { log: ["function", "misc"], logParameter: true } } }));
    assert.match(
        problemsOf(() => make("acme-weak", { baseline: acme, roles: { app: { log: ["all", "-misc_set"] } } }))[0],
        /^roles\["app"\]\.log = \["all","-misc_set"\] lacks misc_set: .*acme rule "functions" \(DB-7\)/,
    );
    assert.throws(
        () =>
            defineBaseline({ ...acme, rules: [{ id: "x", kind: "classes", classes: ["select" as "read"], says: "s", references: [{ id: "1", title: "t" }] }] }),
        /baseline\.rules\[0\]\.classes\[0\]: must be a pgaudit class: one of read, write, function, role, ddl, misc, misc_set/,
    );
    assert.throws(
        () =>
            defineBaseline({
                ...acme,
                rules: [{ id: "x", kind: "setting", setting: "logLevel", value: "loud", says: "s", references: [{ id: "1", title: "t" }] }],
            }),
        /baseline\.rules\[0\]\.value: is not a valid logLevel/,
    );
});

test("a group scope weaker than the baseline is refused at construction, naming the group and the rule; a strong one passes", async () => {
    assert.deepEqual(
        problemsOf(() => make("weak-group", { baseline: "stig", groups: { analysts: { log: ["read"] }, auditors: { log: ["all"] } } })),
        [
            `groups["analysts"].log = ["read"] lacks ddl, role, write: sessions of the members of group "analysts" would be weaker than stig rule "log-classes" (V-233557, V-233563, V-233565, V-233567, V-233568, V-233570, V-233573, V-233574, V-233620, V-233621). Fix: include ddl, role, write in groups["analysts"].log; a group cannot be excused (its members change): declare a member that may be weaker in roles, with an exception`,
        ],
    );
    assert.equal(
        problemsOf(() =>
            make("weak-group-db", {
                baseline: "stig",
                groupDatabases: [{ group: "analysts", database: "shop", settings: { log: ["all"], logClient: true, logLevel: "debug1" } }],
            }),
        ).length,
        1,
    );
    const strong = make("strong-group", { baseline: "stig", groups: { analysts: { log: ["all"] } } });
    assert.equal((await valueOf(strong.baseline!)).name, "stig");
});
