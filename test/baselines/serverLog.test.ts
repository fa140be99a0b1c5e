// The server-log rule, pure: the routing table (provider/core/auditRouting.ts, measured against a
// real server in test/posture/evasion.test.ts), the built-in rule every baseline carries, and the
// component refusing an evasive declaration at construction.
import { test } from "node:test";
import assert from "node:assert/strict";
import { auditLossText, auditRouting } from "../../model/auditRouting";
import { cisBaseline, defineBaseline, evaluateBaseline, PGAUDIT_DEFAULTS, stigBaseline } from "../../baselines";
import { PgAuditLogging, PgAuditLoggingError, type PgAuditLoggingArgs } from "../../components";
import { setMocks } from "../support/mocks";

setMocks(
    {
        newResource: (args) => ({
            id: `${args.name}-id`,
            state: { ...args.inputs, serviceHost: "h.example", servicePort: 5432, serviceUsername: "avnadmin", servicePassword: "pw" },
        }),
        call: (args) => ({ project: args.inputs.project, caCert: "CA" }),
    },
    "server-log-test",
    "test",
);

test("auditRouting: pgaudit's level (LOG_SERVER_ONLY or log_level) against log_min_messages, LOG ranked just below ERROR", () => {
    // [log_client, log_level, log_min_messages, emitted at, reaches the server log]
    const table: [string, string, string, string, boolean][] = [
        ["off", "log", "warning", "LOG_SERVER_ONLY", true],
        ["off", "notice", "warning", "LOG_SERVER_ONLY", true], // log_level applies only with log_client on
        ["off", "log", "error", "LOG_SERVER_ONLY", true],
        ["off", "log", "log", "LOG_SERVER_ONLY", true],
        ["off", "log", "fatal", "LOG_SERVER_ONLY", false],
        ["off", "log", "panic", "LOG_SERVER_ONLY", false],
        ["on", "notice", "warning", "notice", false], // the measured evasion
        ["on", "info", "warning", "info", false],
        ["on", "debug1", "warning", "debug1", false],
        ["on", "warning", "warning", "warning", true],
        ["on", "log", "warning", "log", true],
        ["on", "notice", "notice", "notice", true],
        ["on", "debug5", "debug5", "debug5", true],
        ["on", "warning", "log", "warning", false], // log_min_messages = log passes only LOG and FATAL+
        ["on", "log", "log", "log", true],
        ["on", "log", "fatal", "log", false],
        ["true", "NOTICE", "Warning", "notice", false], // read as PostgreSQL reads them
        ["on", "debug", "debug2", "debug2", true], // "debug" is debug2
    ];
    for (const [logClient, logLevel, logMinMessages, emittedAt, toServerLog] of table) {
        const routing = auditRouting({ logClient, logLevel, logMinMessages });
        assert.ok(!("unreadable" in routing), `${logClient} ${logLevel} ${logMinMessages}`);
        assert.deepEqual([routing.emittedAt, routing.toServerLog], [emittedAt, toServerLog], `${logClient} ${logLevel} ${logMinMessages}`);
    }
    assert.deepEqual(auditRouting({ logClient: "maybe", logLevel: "log", logMinMessages: "warning" }), { unreadable: "pgaudit.log_client" });
    assert.deepEqual(auditRouting({ logClient: true, logLevel: "error", logMinMessages: "warning" }), { unreadable: "pgaudit.log_level" });
    assert.deepEqual(auditRouting({ logClient: true, logLevel: "log", logMinMessages: "warning, checkpointer:debug1" }), { unreadable: "log_min_messages" });
});

test("auditLossText names the settings", () => {
    const lost = (logClient: boolean, logLevel: string, logMinMessages: string) => {
        const r = auditRouting({ logClient, logLevel, logMinMessages });
        assert.ok(!("unreadable" in r));
        return auditLossText(r);
    };
    assert.equal(
        lost(true, "notice", "warning"),
        "pgaudit.log_client = on and pgaudit.log_level = notice send AUDIT lines to the client only (log_min_messages = warning): none reach the server log that Aiven ships",
    );
    assert.equal(
        lost(false, "log", "fatal"),
        "log_min_messages = fatal drops every LOG message, AUDIT lines included (pgaudit.log_client = off writes them at LOG): none reach the server log that Aiven ships",
    );
    assert.equal(lost(true, "log", "warning"), undefined);
});

test("every baseline carries the server-log rule: stig, cis, and one declared in code; its id is reserved", () => {
    for (const b of [stigBaseline, cisBaseline]) assert.equal(b.rules.at(-1)!.kind, "server-log", b.name);
    const own = defineBaseline({
        name: "acme",
        title: "ACME",
        source: { document: "ACME", version: "1" },
        rules: [{ id: "classes", kind: "classes", classes: ["ddl"], says: "ddl", references: [{ id: "A-1", title: "t" }] }],
    });
    assert.deepEqual(
        own.rules.map((r) => [r.id, r.kind]),
        [
            ["classes", "classes"],
            ["server-log", "server-log"],
        ],
    );
    // Declared by the baseline itself (own references): kept, not doubled.
    const explicit = defineBaseline({ ...own, rules: [own.rules[0], { id: "lines", kind: "server-log", says: "s", references: [{ id: "A-2", title: "t" }] }] });
    assert.deepEqual(
        explicit.rules.map((r) => r.id),
        ["classes", "lines"],
    );
    assert.throws(
        () => defineBaseline({ ...own, rules: [{ id: "server-log", kind: "classes", classes: ["ddl"], says: "s", references: [{ id: "A", title: "t" }] }] }),
        /rule id "server-log" is reserved/,
    );
});

test("evaluateBaseline: a place that turns log_client on with a level below log_min_messages fails; what it leaves unset is not its doing", () => {
    const ids = (settings: Parameters<typeof evaluateBaseline>[1]["settings"], logMinMessages?: string) =>
        evaluateBaseline(stigBaseline, { settings, ...(logMinMessages ? { logMinMessages } : {}) }).map((f) => [f.rule.id, f.reason, f.setting]);
    assert.deepEqual(ids({ logClient: true, logLevel: "notice" }), [["server-log", "not-in-server-log", "logLevel"]]);
    assert.deepEqual(ids({ logClient: true, logLevel: "info" }), [["server-log", "not-in-server-log", "logLevel"]]);
    assert.deepEqual(ids({ logClient: true, logLevel: "log" }), []);
    assert.deepEqual(ids({ logClient: true, logLevel: "warning" }), []);
    assert.deepEqual(ids({ logClient: true }), []); // level inherited: unknown here
    assert.deepEqual(ids({ logLevel: "notice" }), []); // log_client inherited: off by default
    assert.deepEqual(ids({ logClient: true, logLevel: "notice" }, "notice"), []);
    assert.deepEqual(ids({}, "fatal"), [["server-log", "not-in-server-log", "logClient"]]);
    // A service block: pgaudit's defaults (log_client off) meet it.
    assert.deepEqual(
        evaluateBaseline(stigBaseline, { enabled: true, settings: { log: ["ddl", "role", "read", "write"] } }, { defaults: PGAUDIT_DEFAULTS }),
        [],
    );
    const [finding] = evaluateBaseline(stigBaseline, { settings: { logClient: true, logLevel: "notice" } });
    assert.deepEqual(finding.remedy, { logClient: false });
    assert.equal(
        finding.problem,
        "diverts the AUDIT lines: pgaudit.log_client = on and pgaudit.log_level = notice send AUDIT lines to the client only (log_min_messages = warning, PostgreSQL's default): none reach the server log that Aiven ships",
    );
});

function problemsOf(fn: () => unknown): readonly string[] {
    try {
        fn();
    } catch (err) {
        assert.ok(err instanceof PgAuditLoggingError, String(err));
        return err.problems;
    }
    assert.fail("expected PgAuditLoggingError");
}

test("PgAuditLogging with a baseline refuses an evasive scope and an evasive service block at construction, naming the settings and the fix", () => {
    const service = { plan: "startup-4", serviceName: "db", pgVersion: "16" };
    const make = (name: string, args: Partial<PgAuditLoggingArgs>) => new PgAuditLogging(name, { project: "p", service, ...args });
    assert.deepEqual(
        problemsOf(() =>
            make("evasive", { baseline: "stig", roles: { evasive: { log: ["ddl", "role", "read", "write"], logClient: true, logLevel: "notice" } } }),
        ),
        [
            `roles["evasive"].logLevel = "notice" diverts the AUDIT lines: pgaudit.log_client = on and pgaudit.log_level = notice send AUDIT lines to the client only ` +
                `(log_min_messages = warning, PostgreSQL's default): none reach the server log that Aiven ships: sessions of role "evasive" would be weaker than ` +
                `stig rule "server-log" (pgaudit.log_client). Fix: remove roles["evasive"].logClient (or set it to false), or set roles["evasive"].logLevel to "log", ` +
                `or list the scope in exceptions: [{ role: "evasive", reason: "…" }]`,
        ],
    );
    assert.deepEqual(
        problemsOf(() => make("evasive-service", { baseline: "cis", audit: { logClient: true, logLevel: "debug1" } })),
        [
            `audit.logLevel = "debug1" diverts the AUDIT lines: pgaudit.log_client = on and pgaudit.log_level = debug1 send AUDIT lines to the client only ` +
                `(log_min_messages = warning, PostgreSQL's default): none reach the server log that Aiven ships: weaker than cis rule "server-log" (pgaudit.log_client). ` +
                `Fix: set audit.logClient to false (or leave it unset), or audit.logLevel to "log"`,
        ],
    );
    // The control: log_client on at level log reaches the server log.
    make("control", { baseline: "stig", roles: { control: { log: ["ddl", "role", "read", "write"], logClient: true, logLevel: "log" } } });
});
