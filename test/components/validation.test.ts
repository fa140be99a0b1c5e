// PgAuditLogging's input checks: each bad input fails while the program runs (so at preview),
// with one error that names the field and the fix, before any resource is registered.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import * as aiven from "@pulumi/aiven";
import * as pulumi from "@pulumi/pulumi";
import { PgAuditLogging, PgAuditLoggingError, pgAuditUserConfig, type PgAuditLoggingArgs } from "../../components";

/**
 * Self-contained (no outer references), so its source also sets up the mocks of a child process.
 * The service echoes its inputs back, as a preview does, plus the connection outputs Aiven adds.
 */
function installMocks(p: typeof pulumi, log: { type: string; name: string }[]): void {
    // setMocks does all its work before it returns; its promise has nothing left to wait for.
    void p.runtime.setMocks(
        {
            newResource(args) {
                log.push({ type: args.type, name: args.name });
                const inputs = args.inputs as Record<string, unknown>;
                const state: Record<string, unknown> = { ...inputs };
                if (args.type === "aiven:index/pg:Pg") {
                    const serviceName = (inputs.serviceName as string | undefined) ?? args.name;
                    Object.assign(state, {
                        serviceName,
                        serviceHost: `${serviceName}.example`,
                        servicePort: 1,
                        serviceUsername: "avnadmin",
                        servicePassword: "pw",
                    });
                }
                return { id: `${args.name}-id`, state };
            },
            call(args) {
                return args.token === "aiven:index/getProject:getProject" ? { caCert: "CA" } : {};
            },
        },
        "pgaudit-test",
        "test",
        false,
    );
}

const registrations: { type: string; name: string }[] = [];
installMocks(pulumi, registrations);

const base = (overrides: Partial<PgAuditLoggingArgs> = {}): PgAuditLoggingArgs => ({
    project: "proj",
    service: { serviceName: "pg1", plan: "startup-4", pgVersion: "16" },
    ...overrides,
});

let counter = 0;
/** Constructs a component that must fail; returns its problems, after checking the error's shape. */
function problemsOf(args: unknown): string[] {
    const name = `bad${++counter}`;
    const before = registrations.length;
    let error: unknown;
    try {
        new PgAuditLogging(name, args as PgAuditLoggingArgs);
    } catch (err) {
        error = err;
    }
    assert.ok(error instanceof PgAuditLoggingError, `expected a PgAuditLoggingError, got ${String(error)}`);
    assert.ok(pulumi.RunError.isInstance(error), "a RunError, so the CLI prints the message without a stack trace");
    assert.ok(error.message.startsWith(`PgAuditLogging "${name}": `), error.message);
    assert.equal(error.message, `PgAuditLogging "${name}": ${error.problems.join("; ")}`);
    assert.equal(registrations.length, before, "nothing is registered when the input is bad");
    return [...error.problems];
}

function assertProblem(args: unknown, expected: RegExp | string): void {
    const problems = problemsOf(args);
    const found = problems.some((p) => (typeof expected === "string" ? p === expected : expected.test(p)));
    assert.ok(found, `no problem matching ${expected} in:\n${problems.join("\n")}`);
}

test("audit: every rule of Aiven's pgaudit schema, with the field and the fix", () => {
    const cases: [Record<string, unknown>, RegExp | string][] = [
        [{ logs: ["DDL"] }, `audit.logs[0]: "DDL": Aiven accepts class names in lowercase only; write "ddl"`],
        [{ logs: ["ddl", "none"] }, /^audit\.logs\[1\]: Aiven has no "none" class; to log no class, leave logs empty \(\[\]\) or unset$/],
        [
            { logs: ["all", "-misc"] },
            /^audit\.logs\[1\]: "-misc": Aiven's list cannot exclude classes; list the classes to log instead .*databases\/roles settings/,
        ],
        [
            { logs: ["reed"] },
            /^audit\.logs\[0\]: "reed" is not a pgaudit class Aiven accepts; expected one of all, ddl, function, misc, misc_set, read, role, write$/,
        ],
        [{ logs: [7] }, /^audit\.logs\[0\]: must be a pgaudit class name \(a string\)/],
        [{ logs: "ddl,role" }, /^audit\.logs: must be a list of classes, e\.g\. \["ddl", "role"\]; Aiven takes a list, not a comma string$/],
        [{ log: ["ddl"] }, /^audit\.log: write "logs"/],
        [{ log_level: "log" }, /^audit\.log_level: @pulumi\/aiven spells Aiven's keys in camelCase: write "logLevel"$/],
        [{ logFoo: true }, /^audit\.logFoo: is not a known setting; expected one of featureEnabled, logs, logCatalog/],
        [{ featureEnabled: "yes" }, /^audit\.featureEnabled: must be true or false/],
        [{ logCatalog: 1 }, /^audit\.logCatalog: must be true or false/],
        [{ logLevel: "LOG" }, /^audit\.logLevel: must be one of debug1, debug2, debug3, debug4, debug5, info, log, notice, warning \(lowercase\)$/],
        [{ logLevel: "error" }, /^audit\.logLevel: must be one of/],
        [{ logMaxStringLength: -2 }, "audit.logMaxStringLength: must be -1 (no cropping) or more"],
        [{ logMaxStringLength: 102401 }, "audit.logMaxStringLength: must be at most 102400 (Aiven's limit)"],
        [{ logMaxStringLength: 1.5 }, "audit.logMaxStringLength: must be a whole number of characters"],
        [{ logParameterMaxSize: -1 }, /^audit\.logParameterMaxSize: must be 0 \(no limit\) or more; pgaudit refuses negative sizes/],
        [{ role: "-auditor" }, /^audit\.role: must consist of letters, digits, dots, underscores or dashes, and not start with a dash or dot/],
        [{ role: "audit or" }, /^audit\.role: must consist of/],
        [{ role: "auditor\n" }, /^audit\.role: must consist of/],
        [{ role: "a".repeat(64) }, /^audit\.role: must be at most 63 characters: PostgreSQL keeps 63 bytes of a role name$/],
    ];
    for (const [audit, expected] of cases) assertProblem(base({ audit: audit as PgAuditLoggingArgs["audit"] }), expected);
    // The limits themselves pass.
    for (const audit of [
        { logs: [] },
        { logs: ["ddl", "ddl"] },
        { logMaxStringLength: -1 },
        { logMaxStringLength: 102400 },
        { role: "a".repeat(63) },
        { role: "_r.1-x" },
    ]) {
        assert.doesNotThrow(() => new PgAuditLogging(`ok${++counter}`, base({ audit: audit as PgAuditLoggingArgs["audit"] })));
    }
});

test("pgAuditUserConfig refuses what PgAuditLogging refuses, naming itself", () => {
    assert.throws(
        () => pgAuditUserConfig({ logs: ["none" as "all"] }),
        (err: unknown) => {
            assert.ok(err instanceof PgAuditLoggingError);
            assert.match(err.message, /^pgAuditUserConfig: audit\.logs\[0\]: Aiven has no "none" class/);
            return true;
        },
    );
});

test("logs: Aiven's limits for the logs integration, and logs without opensearch", () => {
    const withOs = (logs: unknown) => base({ opensearch: { serviceName: "os1" }, logs: logs as PgAuditLoggingArgs["logs"] });
    const cases: [unknown, RegExp | string][] = [
        [{ indexDaysMax: 0 }, "logs.indexDaysMax: must be at least 1 day"],
        [{ indexDaysMax: 10001 }, /^logs\.indexDaysMax: must be at most 10000 days/],
        [{ indexDaysMax: 2.5 }, "logs.indexDaysMax: must be a whole number of days"],
        [{ indexPrefix: "a" }, /^logs\.indexPrefix: must be at least 2 characters of lowercase letters/],
        [{ indexPrefix: "Logs" }, /^logs\.indexPrefix: must be at least 2 characters/],
        [{ indexPrefix: "-logs" }, /^logs\.indexPrefix: must be at least 2 characters/],
        [{ indexPrefix: "logs\n" }, /^logs\.indexPrefix: must be at least 2 characters/],
        [{ indexPrefix: "l".repeat(245) }, /^logs\.indexPrefix: must be at most 244 characters: OpenSearch caps index names at 255 bytes/],
        [
            { selectedLogFields: ["MESSAGE"] },
            /^logs\.selectedLogFields\[0\]: must be one of HOSTNAME, PRIORITY, REALTIME_TIMESTAMP, SYSTEMD_UNIT, service_name/,
        ],
        [
            { selectedLogFields: ["HOSTNAME", "PRIORITY", "REALTIME_TIMESTAMP", "SYSTEMD_UNIT", "service_name", "HOSTNAME"] },
            "logs.selectedLogFields: must list at most 5 fields (Aiven's limit)",
        ],
        [{ elasticsearchIndexPrefix: "x1" }, 'logs.elasticsearchIndexPrefix: write "indexPrefix"'],
    ];
    for (const [logs, expected] of cases) assertProblem(withOs(logs), expected);
    assertProblem(base({ logs: { indexDaysMax: 7 } }), /^logs: configures the OpenSearch logs integration; set opensearch too/);
    for (const logs of [{ indexPrefix: "l".repeat(244) }, { indexPrefix: "pg_audit.v1-x" }, { indexDaysMax: 10000 }, { selectedLogFields: [] }]) {
        assert.doesNotThrow(() => new PgAuditLogging(`ok${++counter}`, withOs(logs)));
    }
});

test("per-scope settings are validated with PgAuditSetting's schema at construction", () => {
    const problems = problemsOf(base({ databases: { shop: { log: ["ddl", "reed"] } } }));
    assert.deepEqual(problems, [
        `databases["shop"].log[1]: "reed" is not a pgaudit class; expected one of read, write, function, role, ddl, misc, misc_set, all, none (prefix "-" to exclude)`,
    ]);
    assertProblem(
        base({ roles: { app: { logs: ["ddl"] } as never } }),
        /^roles\["app"\]\.logs: write "log": per-database and per-role settings use pgaudit's own name/,
    );
    assertProblem(base({ roles: { app: { featureEnabled: true } as never } }), `roles["app"].featureEnabled: is a service-level setting: set it in audit`);
    assertProblem(base({ roles: { app: {} } }), /^roles\["app"\]: declare at least one pgaudit setting/);
    assertProblem(base({ databases: { ["d".repeat(64)]: { log: ["ddl"] } } }), /^databases\["d{64}"\]: is longer than PostgreSQL's 63-byte name limit/);
    assertProblem(base({ databases: { "": { log: ["ddl"] } } }), `databases[""]: must not be empty`);
    assertProblem(
        base({ roleDatabases: [{ role: "app", database: "shop", settings: { logLevel: "panic" } }] }),
        /^roleDatabases\[0\]\.settings\.logLevel: must be one of/,
    );
    assertProblem(base({ roleDatabases: [{ role: "app", database: "shop" } as never] }), `roleDatabases[0].settings: is required, e.g. { log: ["read"] }`);
    assertProblem(
        base({ roleDatabases: [{ role: pulumi.output("app") as never, database: "shop", settings: { log: ["read"] } }] }),
        "roleDatabases[0].role: must be a plain string (it names the child resource), not an Output",
    );
    assertProblem(
        base({
            roleDatabases: [
                { role: "app", database: "shop", settings: { log: ["read"] } },
                { role: "bi", database: "shop", settings: { log: ["read"] } },
                { role: "app", database: "shop", settings: { log: ["write"] } },
            ],
        }),
        `roleDatabases[2]: declares role "app" in database "shop" again (first at roleDatabases[0]); merge the two entries`,
    );
    assertProblem(
        base({ databases: pulumi.output({ shop: { log: ["ddl"] } }) as never }),
        /^databases: must be a plain object mapping each database name to its settings/,
    );
    assertProblem(base({ roles: ["app"] as never }), /^roles: must be a plain object mapping each role name to its settings/);
    assertProblem(
        base({ roleDatabases: { role: "app", database: "shop", settings: {} } as never }),
        "roleDatabases: must be a list of { role, database, settings }",
    );
    assertProblem(base({ roleDatabases: [null as never] }), "roleDatabases[0]: must be { role, database, settings }");
    // Settings that are Outputs are passed on: PgAuditSetting checks them once they resolve
    // (test/provider/core/constructionValidation.test.ts).
    assert.doesNotThrow(() => new PgAuditLogging(`ok${++counter}`, base({ databases: { shop: pulumi.output({ log: ["ddl"] }) } })));
});

test("service, opensearch and connection arguments", () => {
    assertProblem(undefined, "args: pass { project, service, … }");
    assertProblem({ project: "proj" }, /^service: is required: the arguments of an aiven\.Pg to declare/);
    assertProblem(base({ project: "" }), "project: is required: the Aiven project that holds the service");
    assertProblem(base({ service: { plan: "startup-4", project: "other" } as never }), "service.project: set the project once, in project");
    assertProblem(base({ opensearch: { plan: "startup-4" } as never }), /^opensearch\.serviceName: is required/);
    assertProblem(
        base({ opensearch: { serviceName: "os", cloudName: "google-europe-west1" } as never }),
        "opensearch: has cloudName but no plan: give plan to declare an OpenSearch service, or only serviceName to use an existing one",
    );
    assertProblem(base({ opensearch: "os" as never }), /^opensearch: must be \{ serviceName \} of an existing OpenSearch service/);
    assertProblem(
        base({ opensearch: { serviceName: "os", project: "other" } as never }),
        "opensearch.project: the OpenSearch service is in project; remove opensearch.project",
    );
    const pg = new aiven.Pg("kept-for-options", { project: "proj", plan: "startup-4", pgUserConfig: pgAuditUserConfig() });
    assertProblem(base({ service: pg, serviceOptions: { protect: true } }), /^serviceOptions: applies to a service the component declares/);

    const password = "hunter2-in-a-uri";
    const problems = problemsOf(base({ databases: { shop: { log: ["ddl"] } }, connection: `mysql://avnadmin:${password}@h:1/db` }));
    assert.deepEqual(problems, ["connection: must start with postgresql:// or postgres://"]);
    assertProblem(base({ connection: { host: "h", user: "u", password, sslMode: "verify-ca" } }), /^connection\.caCert: is required with sslMode verify-ca/);
    assert.ok(
        !problemsOf(base({ connection: { host: "h", user: "u", password, sslMode: "prefer" } }))
            .join()
            .includes(password),
    );
});

test("the pgaudit block of a declared service must not contradict audit", () => {
    const withUserConfig = (pgUserConfig: unknown, audit?: PgAuditLoggingArgs["audit"]) =>
        base({ service: { plan: "startup-4", pgVersion: "16", pgUserConfig: pgUserConfig as aiven.types.input.PgPgUserConfig }, audit });
    assertProblem(
        withUserConfig({ pgaudit: { logs: ["read"] } }, { logs: ["ddl"] }),
        `service.pgUserConfig.pgaudit.logs is ["read"] but audit.logs is ["ddl"]: declare the service's pgaudit settings once, in audit, and remove service.pgUserConfig.pgaudit.logs`,
    );
    assertProblem(
        withUserConfig({ pgaudit: { featureEnabled: false } }),
        /^service\.pgUserConfig\.pgaudit\.featureEnabled is false but audit\.featureEnabled is true \(its default\)/,
    );
    assertProblem(withUserConfig({ pgaudit: { logs: ["none"] } }), /^service\.pgUserConfig\.pgaudit\.logs\[0\]: Aiven has no "none" class/);
    assertProblem(withUserConfig({ pgVersion: "15" }), `service.pgVersion is "16" but service.pgUserConfig.pgVersion is "15": set the version once`);
    assertProblem(
        base({ service: { plan: "startup-4", pgVersion: "9" } }),
        /^service\.pgVersion: must be a PostgreSQL major version Aiven offers, as a string: one of "10", "11"/,
    );
    assertProblem(
        base({ service: { plan: "startup-4", pgVersion: 16 as never } }),
        /^service\.pgVersion: must be a PostgreSQL major version Aiven offers, as a string/,
    );
    assertProblem(
        base({ service: { plan: "startup-4", pgUserConfig: { pgVersion: "19" } } }),
        /^service\.pgUserConfig\.pgVersion: must be a PostgreSQL major version Aiven offers/,
    );
    // Saying the same thing twice is not a conflict, whatever the order of logs.
    assert.doesNotThrow(
        () => new PgAuditLogging(`ok${++counter}`, withUserConfig({ pgaudit: { logs: ["role", "ddl"], featureEnabled: true } }, { logs: ["ddl", "role"] })),
    );
});

test("version gate: per-scope settings on PostgreSQL below 15 fail with the upgrade message; service-level audit does not", () => {
    const upgrade = (field: string, version: string) =>
        `databases, roles, roleDatabases and exclusive need PostgreSQL 15 or later on Aiven, and ${field} is "${version}": ` +
        `upgrade the service first (set ${field} to "15" or later; Aiven upgrades in place, see https://aiven.io/docs/products/postgresql/howto/upgrade), ` +
        `or remove the per-scope settings and exclusive`;
    assertProblem(base({ service: { plan: "startup-4", pgVersion: "14" }, databases: { shop: { log: ["ddl"] } } }), upgrade("service.pgVersion", "14"));
    // Exclusive mode resets per-scope overrides, which needs the same parameter grants.
    assertProblem(base({ service: { plan: "startup-4", pgVersion: "14" }, exclusive: true }), upgrade("service.pgVersion", "14"));
    assertProblem(
        base({ service: { plan: "startup-4", pgUserConfig: { pgVersion: "13" } }, roles: { app: { log: ["ddl"] } } }),
        upgrade("service.pgUserConfig.pgVersion", "13"),
    );
    assert.doesNotThrow(() => new PgAuditLogging(`ok${++counter}`, base({ service: { plan: "startup-4", pgVersion: "14" }, audit: { logs: ["ddl"] } })));
    assert.doesNotThrow(
        () => new PgAuditLogging(`ok${++counter}`, base({ service: { plan: "startup-4", pgVersion: "15" }, roles: { app: { log: ["ddl"] } } })),
    );
    // No version declared: Aiven creates the latest, so nothing to gate at preview.
    assert.doesNotThrow(() => new PgAuditLogging(`ok${++counter}`, base({ service: { plan: "startup-4" }, roles: { app: { log: ["ddl"] } } })));
});

test("all problems are reported at once", () => {
    const problems = problemsOf(
        base({ audit: { logs: ["DDL" as "ddl"], logLevel: "LOG" as "log" }, databases: { shop: { log: ["reed"] } }, logs: { indexDaysMax: 0 } }),
    );
    assert.equal(problems.length, 5, problems.join("\n"));
});

/**
 * Runs a scenario in a child process under the same mocks. Values only known through Outputs fail
 * in an apply, which Pulumi reports as an unhandled rejection that ends the program (and the
 * preview) with the message; node:test would count such a rejection against the running test.
 */
function runScenario(body: string): { status: number | null; stderr: string } {
    const components = path.resolve(__dirname, "..", "..", "components");
    const script = `
const pulumi = require("@pulumi/pulumi");
(${installMocks.toString()})(pulumi, []);
process.on("unhandledRejection", (err) => { console.error("REJECTED " + (err && err.message)); process.exit(3); });
setTimeout(() => { console.error("TIMEOUT"); process.exit(4); }, 8000).unref();
const aiven = require("@pulumi/aiven");
const { PgAuditLogging, pgAuditUserConfig } = require(${JSON.stringify(components)});
const settle = (c) => new Promise((resolve) => pulumi.all([c.urn, c.pgaudit, ...Object.values(c.settings.databases).map((s) => s.urn), ...Object.values(c.settings.roles).map((s) => s.urn)]).apply(resolve));
(async () => { ${body} })().then(() => setTimeout(() => process.exit(0), 200));
`;
    const result = spawnSync(process.execPath, ["-e", script], { cwd: path.resolve(__dirname, "..", "..", ".."), encoding: "utf8", timeout: 20000 });
    return { status: result.status, stderr: result.stderr };
}

test("apply-time checks: a kept service must carry audit, and the version gate also applies to versions known only later", { timeout: 60000 }, () => {
    const kept = (pgUserConfig: string, audit: string, scopes = "") => `
const pg = new aiven.Pg("pg", { project: "proj", plan: "startup-4", serviceName: "pg1", pgUserConfig: ${pgUserConfig} });
await settle(new PgAuditLogging("k", { project: "proj", service: pg, audit: ${audit} ${scopes} }));`;

    const ok = runScenario(
        kept(`{ pgVersion: "16", ...pgAuditUserConfig({ logs: ["ddl"] }) }`, `{ logs: ["ddl"] }`, `, databases: { shop: { log: ["ddl"] } }`),
    );
    assert.equal(ok.status, 0, `a matching kept service passes; stderr:\n${ok.stderr}`);

    const off = runScenario(kept(`{ pgVersion: "16" }`, `{ logs: ["ddl"] }`));
    assert.equal(off.status, 3, off.stderr);
    // Pulumi prefixes the property whose serialization met the error; the message is ours.
    assert.match(
        off.stderr,
        /REJECTED (error serializing property "\w+": )*PgAuditLogging "k": service\.pgUserConfig\.pgaudit is not set, so pgaudit is not enabled on the service: spread pgAuditUserConfig\(audit\) into its pgUserConfig, e\.g\. pgUserConfig: \{ \.\.\.pgAuditUserConfig\(audit\), pgVersion: "16" \}\n/,
    );

    const disabled = runScenario(kept(`{ pgVersion: "16", ...pgAuditUserConfig({ featureEnabled: false }) }`, `{}`));
    assert.equal(disabled.status, 3, disabled.stderr);
    assert.match(disabled.stderr, /PgAuditLogging "k": service\.pgUserConfig\.pgaudit\.featureEnabled is false, so pgaudit is not enabled on the service/);

    const drift = runScenario(kept(`{ pgVersion: "16", ...pgAuditUserConfig({ logs: ["ddl"] }) }`, `{ logs: ["ddl", "write"] }`));
    assert.equal(drift.status, 3, drift.stderr);
    assert.match(
        drift.stderr,
        /PgAuditLogging "k": service\.pgUserConfig\.pgaudit\.logs is \["ddl"\] but audit\.logs is \["ddl","write"\]: spread pgAuditUserConfig\(audit\)/,
    );

    const old = runScenario(kept(`{ pgVersion: "14", ...pgAuditUserConfig() }`, `{}`, `, roles: { app: { log: ["ddl"] } }`));
    assert.equal(old.status, 3, old.stderr);
    assert.match(
        old.stderr,
        /REJECTED (error serializing property "\w+": )*PgAuditLogging "k": databases, roles, roleDatabases and exclusive need PostgreSQL 15 or later on Aiven, and service\.pgUserConfig\.pgVersion is "14"/,
    );

    const later = runScenario(`
await settle(new PgAuditLogging("d", { project: "proj", service: { plan: "startup-4", pgVersion: pulumi.output("14") }, databases: { shop: { log: ["ddl"] } } }));`);
    assert.equal(later.status, 3, later.stderr);
    assert.match(
        later.stderr,
        /REJECTED (error serializing property "\w+": )*PgAuditLogging "d": databases, roles, roleDatabases and exclusive need PostgreSQL 15 or later on Aiven, and service\.pgVersion is "14"/,
    );

    const auditLater = runScenario(`
await settle(new PgAuditLogging("o", { project: "proj", service: { plan: "startup-4" }, audit: pulumi.output({ logs: ["NONE"] }) }));`);
    assert.equal(auditLater.status, 3, auditLater.stderr);
    assert.match(auditLater.stderr, /REJECTED (error serializing property "\w+": )*PgAuditLogging "o": audit\.logs\[0\]: Aiven has no "none" class/);
});
