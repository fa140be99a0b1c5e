// PgAuditLogging's objectAudit under Pulumi's mocks: pgaudit.role set through audit.role (Aiven's
// rule enforced) or per database, one PgAuditObjectAudit per database named from it, and every
// bad input refused at construction, naming the field and the fix.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { PgAuditLogging, PgAuditLoggingError, type PgAuditLoggingArgs } from "../../components";
import { setMocks } from "../support/mocks";

const PASSWORD = "avnadmin-s3cret-object-audit";
const OBJECT_TYPE = "pulumi-nodejs:dynamic/pgaudit:PgAuditObjectAudit";
const SETTING_TYPE = "pulumi-nodejs:dynamic/pgaudit:PgAuditSetting";
const SIG_KEY = "4dabf18193072939515e22adb298388d";

interface Registration {
    type: string;
    name: string;
    inputs: Record<string, unknown>;
}
const registrations: Registration[] = [];

setMocks(
    {
        newResource(args) {
            registrations.push({ type: args.type, name: args.name, inputs: args.inputs });
            const state: Record<string, unknown> = { ...args.inputs };
            if (args.type === "aiven:index/pg:Pg") {
                Object.assign(state, { serviceHost: "pg.example", servicePort: 24947, serviceUsername: "avnadmin", servicePassword: PASSWORD });
            }
            return { id: `${args.name}-id`, state };
        },
        call: (args) => ({ project: args.inputs.project, caCert: "CA" }),
    },
    "pgaudit-test",
    "test",
);

const valueOf = <T>(o: pulumi.Output<T>) => new Promise<T>((resolve) => o.apply(resolve));

const CARDS = [
    { table: "public.cards", privileges: ["select" as const], columns: ["pan"] },
    { table: "public.cards", privileges: ["update" as const] },
];

const args = (overrides: Partial<PgAuditLoggingArgs> = {}): PgAuditLoggingArgs => ({
    project: "proj",
    service: { serviceName: "orders-pg", plan: "startup-4", pgVersion: "16" },
    audit: { logs: ["ddl"] },
    objectAudit: { role: "auditor", databases: { shop: CARDS, "we-ird": [{ table: "public.stock", privileges: ["insert"] }] } },
    ...overrides,
});

async function settled(c: PgAuditLogging): Promise<void> {
    const children = [c.service, ...Object.values(c.objectAudit), ...Object.values(c.settings.databases)];
    await valueOf(pulumi.all([c.urn, ...children.map((r) => r.urn)]));
}

const named = (name: string) => {
    const found = registrations.filter((r) => r.name === name);
    assert.equal(found.length, 1, `one registration named ${name}`);
    return found[0];
};

test("roleScope service (default): audit.role on the aiven.Pg, one PgAuditObjectAudit per database, secret connection", { timeout: 10000 }, async () => {
    const c = new PgAuditLogging("oa", args());
    await settled(c);
    const pgBlock = (named("oa-pg").inputs.pgUserConfig as { pgaudit: Record<string, unknown> }).pgaudit;
    assert.deepEqual(pgBlock, { featureEnabled: true, logs: ["ddl"], role: "auditor" });
    assert.deepEqual(Object.keys(c.objectAudit).sort(), ["shop", "we-ird"]);
    const shop = named("oa-objects-db-shop");
    assert.equal(shop.type, OBJECT_TYPE);
    assert.equal(named("oa-objects-db-we%2Dird").inputs.database, "we-ird");
    assert.deepEqual(
        { ...shop.inputs, connection: undefined, __provider: undefined },
        {
            connection: undefined,
            __provider: undefined,
            database: "shop",
            auditRole: "auditor",
            createRole: true,
            objects: CARDS,
            // Set by the resource class for its owner record: the component's child keeps its own name.
            owner: { stack: "pgaudit-test/test", resource: 'PgAuditObjectAudit "oa-objects-db-shop"' },
        },
    );
    assert.equal((shop.inputs.connection as Record<string, unknown>)[SIG_KEY] !== undefined, true, "the connection is secret");
    assert.ok(!(shop.inputs.__provider as string).includes(PASSWORD));
    assert.equal(registrations.filter((r) => r.name.startsWith("oa-") && r.type === SETTING_TYPE).length, 0, "no per-database setting needed");
    assert.deepEqual(await valueOf(c.pgaudit), { featureEnabled: true, logs: ["ddl"], role: "auditor" });
});

test(
    'roleScope "databases": pgaudit.role goes into each database\'s settings, merged with what they declare; the service block keeps no role',
    { timeout: 10000 },
    async () => {
        const c = new PgAuditLogging(
            "per",
            args({
                databases: { shop: { log: ["write"] } },
                objectAudit: { role: "-audit.role-", roleScope: "databases", createRole: false, databases: { shop: CARDS, depot: [] } },
                // One resource per scope, to read each database's settings by name.
                settingsResource: "PgAuditSetting",
            }),
        );
        await settled(c);
        assert.deepEqual(named("per-db-shop").inputs.settings, { log: ["write"], role: "-audit.role-" });
        assert.deepEqual(named("per-db-depot").inputs.settings, { role: "-audit.role-" });
        assert.equal((named("per-pg").inputs.pgUserConfig as { pgaudit: Record<string, unknown> }).pgaudit.role, undefined);
        assert.equal(named("per-objects-db-shop").inputs.createRole, false);
        assert.deepEqual(named("per-objects-db-depot").inputs.objects, []);
    },
);

function problemsOf(build: () => unknown): string[] {
    try {
        build();
    } catch (err) {
        assert.ok(err instanceof PgAuditLoggingError, String(err));
        return [...err.problems];
    }
    assert.fail("expected a PgAuditLoggingError");
}

test("Aiven's pgaudit.role rule where audit.role is set: pattern and PostgreSQL's 63 bytes; per database, PostgreSQL's rule only", () => {
    const at = (role: string, roleScope?: "service" | "databases") =>
        problemsOf(() => new PgAuditLogging("bad", args({ objectAudit: { role, roleScope, databases: {} } })));
    assert.match(
        at("-auditor")[0],
        /^objectAudit\.role: must consist of letters, digits, dots, underscores or dashes, and not start with a dash or dot \(Aiven's rule\)$/,
    );
    assert.match(at("aud itor")[0], /Aiven's rule/);
    assert.match(at("auditor\n")[0], /Aiven's rule/);
    assert.match(at("a".repeat(64))[0], /at most 63 characters: PostgreSQL keeps 63 bytes of a role name/);
    assert.match(at("a".repeat(64), "databases")[0], /63-byte name limit/);
    // Accepted: 63 characters where audit.role is set; per database, names Aiven's pattern refuses.
    assert.doesNotThrow(() => new PgAuditLogging("ok63", args({ objectAudit: { role: "a".repeat(63), databases: {} } })));
    assert.doesNotThrow(() => new PgAuditLogging("okdb", args({ objectAudit: { role: "-audit role", roleScope: "databases", databases: {} } })));
});

test("every mistake at once: conflicting roles, bad objects with their field paths, unknown keys, Outputs where names are needed", () => {
    const problems = problemsOf(
        () =>
            new PgAuditLogging(
                "many",
                args({
                    audit: { role: "other" },
                    objectAudit: {
                        role: "auditor",
                        databases: {
                            shop: [
                                { table: "cards", privileges: ["select"] },
                                { table: "public.cards", privileges: ["delete"], columns: ["pan"] },
                                { table: "public.cards", privileges: ["read" as never], colums: ["x"] } as never,
                            ],
                        },
                        grants: true,
                    } as never,
                }),
            ),
    );
    const text = problems.join("\n");
    assert.match(text, /audit\.role is "other" but objectAudit\.role is "auditor": .* set it once, in objectAudit\.role/);
    assert.match(text, /objectAudit\.databases\["shop"\]\[0\]\.table: must name the schema too: "schema\.table"/);
    assert.match(text, /objectAudit\.databases\["shop"\]\[1\]\.privileges: PostgreSQL grants delete on whole tables only/);
    assert.match(text, /objectAudit\.databases\["shop"\]\[2\]\.privileges\[0\]: must be one of select, insert, update, delete/);
    assert.match(text, /objectAudit\.databases\["shop"\]\[2\]\.colums: is not a known setting; expected one of table, privileges, columns/);
    assert.match(text, /objectAudit\.grants: is not a known setting/);

    const conflict = problemsOf(
        () =>
            new PgAuditLogging(
                "dbc",
                args({ databases: { shop: { role: "x" } }, objectAudit: { role: "auditor", roleScope: "databases", databases: { shop: [] } } }),
            ),
    );
    assert.match(conflict.join("\n"), /databases\["shop"\]\.role is "x" but objectAudit\.role is "auditor"/);
    const output = problemsOf(() => new PgAuditLogging("out", args({ objectAudit: { role: "auditor", databases: pulumi.output({}) as never } })));
    assert.match(output.join("\n"), /objectAudit\.databases: must be a plain object/);
    assert.match(
        problemsOf(() => new PgAuditLogging("norole", args({ objectAudit: { databases: {} } as never }))).join("\n"),
        /objectAudit\.role: is required/,
    );
});
