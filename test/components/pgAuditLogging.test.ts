// PgAuditLogging under Pulumi's mocks: which resources it registers, with which inputs, in both
// service modes. The mocks echo inputs back as state, as a preview does for new resources.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import * as aiven from "@pulumi/aiven";
import * as pulumi from "@pulumi/pulumi";
import { PgAuditLogging, pgAuditUserConfig, type PgAuditLoggingArgs } from "../../components";
import { scopeResourceName } from "../../model/scope";
import { setMocks } from "../support/mocks";

interface Registration {
    type: string;
    name: string;
    inputs: Record<string, unknown>;
    importId?: string;
}

const PASSWORD = "avnadmin-s3cret-do-not-print";
const CA = "-----BEGIN CERTIFICATE-----\nMOCK PROJECT CA\n-----END CERTIFICATE-----";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
const SIG_KEY = "4dabf18193072939515e22adb298388d";
const SETTING_TYPE = "pulumi-nodejs:dynamic/pgaudit:PgAuditSetting";

const registrations: Registration[] = [];
/** Tokens of the invokes the program made (getProject costs 10 s in the real provider). */
const invokes: string[] = [];
setMocks(
    {
        newResource(args) {
            registrations.push({ type: args.type, name: args.name, inputs: args.inputs, importId: args.id || undefined });
            const state: Record<string, unknown> = { ...args.inputs };
            if (args.type === "aiven:index/pg:Pg") {
                const serviceName = (args.inputs.serviceName as string | undefined) ?? args.name;
                Object.assign(state, {
                    serviceName,
                    serviceHost: `${serviceName}-proj.aivencloud.com`,
                    servicePort: 24947,
                    serviceUsername: "avnadmin",
                    servicePassword: PASSWORD,
                });
            }
            return { id: `${args.name}-id`, state };
        },
        call(args) {
            invokes.push(args.token);
            if (args.token === "aiven:index/getProject:getProject") return { project: args.inputs.project, caCert: CA };
            throw new Error(`unexpected call ${args.token}`);
        },
    },
    "pgaudit-test",
    "test",
);

function valueOf<T>(output: pulumi.Output<T>): Promise<T> {
    return new Promise((resolve) => output.apply((v) => resolve(v)));
}

/** Waits until the component and its children are registered with the mocks. */
async function settled(c: PgAuditLogging): Promise<void> {
    const children: pulumi.Resource[] = [c.service, ...(c.opensearch ? [c.opensearch] : []), ...(c.opensearchIntegration ? [c.opensearchIntegration] : [])];
    children.push(...Object.values(c.settings.databases), ...Object.values(c.settings.roles));
    for (const byDb of Object.values(c.settings.roleDatabases)) children.push(...Object.values(byDb));
    const outputs: pulumi.Output<unknown>[] = [c.urn, ...children.map((r) => r.urn), c.pgaudit];
    await valueOf(pulumi.all(outputs));
}

function registered(prefix: string): Registration[] {
    return registrations.filter((r) => r.name === prefix || r.name.startsWith(`${prefix}-`));
}

function one(prefix: string, type: string): Registration {
    const found = registered(prefix).filter((r) => r.type === type);
    assert.equal(found.length, 1, `expected one ${type} under ${prefix}, found ${found.map((r) => r.name).join(", ") || "none"}`);
    return found[0];
}

function unsecret(value: unknown): { secret: boolean; value: unknown } {
    if (value !== null && typeof value === "object" && (value as Record<string, unknown>)[SIG_KEY] === SECRET_SIG) {
        return { secret: true, value: (value as { value: unknown }).value };
    }
    return { secret: false, value };
}

/** Records the resource options each child is constructed with (transformations reach children). */
function optionsRecorder(): { opts: Map<string, pulumi.CustomResourceOptions>; transformations: pulumi.ResourceTransformation[] } {
    const opts = new Map<string, pulumi.CustomResourceOptions>();
    return {
        opts,
        transformations: [
            (args) => {
                opts.set(args.name, args.opts);
                return undefined;
            },
        ],
    };
}

function dependencies(opts: pulumi.CustomResourceOptions | undefined): unknown[] {
    const deps = opts?.dependsOn;
    return Array.isArray(deps) ? deps : deps === undefined ? [] : [deps];
}

const declaredArgs = (overrides: Partial<PgAuditLoggingArgs> = {}): PgAuditLoggingArgs => ({
    project: "proj",
    service: {
        serviceName: "orders-pg",
        plan: "startup-4",
        cloudName: "google-europe-west1",
        pgVersion: "16",
        pgUserConfig: { ipFilterStrings: ["10.0.0.0/8"], pgaudit: { logClient: false } },
    },
    audit: { logs: ["ddl", "role"], logCatalog: false, logLevel: "notice" },
    // The tests here look at the per-scope children; scopes.test.ts covers the default shape.
    settingsResource: "PgAuditSetting",
    ...overrides,
});

test("declared service: one aiven.Pg, child of the component, with audit merged into pgUserConfig", { timeout: 10000 }, async () => {
    const c = new PgAuditLogging("decl", declaredArgs());
    await settled(c);
    const pg = one("decl", "aiven:index/pg:Pg");
    assert.equal(pg.name, "decl-pg");
    assert.deepEqual(pg.inputs, {
        project: "proj",
        serviceName: "orders-pg",
        plan: "startup-4",
        cloudName: "google-europe-west1",
        pgUserConfig: {
            ipFilterStrings: ["10.0.0.0/8"],
            pgVersion: "16",
            pgaudit: { featureEnabled: true, logs: ["ddl", "role"], logCatalog: false, logLevel: "notice", logClient: false },
        },
    });
    assert.match(await valueOf(c.service.urn), /::aiven-pgaudit:index:PgAuditLogging\$aiven:index\/pg:Pg::decl-pg$/);
    assert.deepEqual(await valueOf(c.pgaudit), { featureEnabled: true, logs: ["ddl", "role"], logCatalog: false, logLevel: "notice", logClient: false });
    assert.equal(registered("decl").filter((r) => r.type === SETTING_TYPE).length, 0);
    assert.equal(c.opensearchIntegration, undefined);
    assert.equal(c.indexPattern, undefined);
});

test("declared service: featureEnabled false is passed through, and serviceOptions.import adopts a service", { timeout: 10000 }, async () => {
    const c = new PgAuditLogging("adopt", declaredArgs({ audit: { featureEnabled: false } }), undefined);
    const imported = new PgAuditLogging("imp", declaredArgs({ serviceOptions: { import: "proj/orders-pg" } }));
    await Promise.all([settled(c), settled(imported)]);
    assert.deepEqual((one("adopt", "aiven:index/pg:Pg").inputs.pgUserConfig as { pgaudit: unknown }).pgaudit, { featureEnabled: false, logClient: false });
    assert.equal(one("adopt", "aiven:index/pg:Pg").importId, undefined);
    assert.equal(one("imp", "aiven:index/pg:Pg").importId, "proj/orders-pg");
});

test("declared OpenSearch: aiven.OpenSearch plus a logs ServiceIntegration with Aiven's config names", { timeout: 10000 }, async () => {
    const c = new PgAuditLogging(
        "os",
        declaredArgs({
            opensearch: { serviceName: "orders-os", plan: "startup-4", cloudName: "google-europe-west1" },
            logs: { indexDaysMax: 30, indexPrefix: "pg-audit", selectedLogFields: ["HOSTNAME", "service_name"] },
        }),
    );
    await settled(c);
    const os = one("os", "aiven:index/openSearch:OpenSearch");
    assert.equal(os.name, "os-opensearch");
    assert.deepEqual(os.inputs, { project: "proj", serviceName: "orders-os", plan: "startup-4", cloudName: "google-europe-west1" });
    const integration = one("os", "aiven:index/serviceIntegration:ServiceIntegration");
    assert.equal(integration.name, "os-logs");
    assert.deepEqual(integration.inputs, {
        project: "proj",
        integrationType: "logs",
        sourceServiceName: "orders-pg",
        destinationServiceName: "orders-os",
        logsUserConfig: { elasticsearchIndexDaysMax: 30, elasticsearchIndexPrefix: "pg-audit", selectedLogFields: ["HOSTNAME", "service_name"] },
    });
    assert.equal(await valueOf(c.indexPattern!), "pg-audit-*");
    assert.equal(await valueOf(c.dashboardsFilter!), "AIVEN_AUDIT_FROM: pg");
});

test("existing OpenSearch by name: no OpenSearch declared, no logsUserConfig (Aiven's defaults), default index pattern", { timeout: 10000 }, async () => {
    const c = new PgAuditLogging("osref", declaredArgs({ opensearch: { serviceName: "shared-logs" } }));
    await settled(c);
    assert.equal(registered("osref").filter((r) => r.type === "aiven:index/openSearch:OpenSearch").length, 0);
    assert.equal(c.opensearch, undefined);
    const integration = one("osref", "aiven:index/serviceIntegration:ServiceIntegration");
    assert.deepEqual(integration.inputs, {
        project: "proj",
        integrationType: "logs",
        sourceServiceName: "orders-pg",
        destinationServiceName: "shared-logs",
    });
    assert.equal(await valueOf(c.indexPattern!), "logs-*");
});

test(
    "per-scope settings: one PgAuditSetting per scope, secret avnadmin connection verified with the project CA, after the service",
    { timeout: 10000 },
    async () => {
        const rec = optionsRecorder();
        const c = new PgAuditLogging(
            "scoped",
            declaredArgs({
                databases: { defaultdb: { log: ["ddl"] }, shop: { log: "write, ddl" } },
                roles: { app: { log: ["all", "-misc"], logRelation: true } },
                roleDatabases: [{ role: "reporting", database: "shop", settings: { log: ["read"] } }],
                adopt: true,
            }),
            { transformations: rec.transformations },
        );
        await settled(c);
        const settings = registered("scoped").filter((r) => r.type === SETTING_TYPE);
        assert.deepEqual(settings.map((s) => s.name).sort(), ["scoped-db-defaultdb", "scoped-db-shop", "scoped-role-app", "scoped-role-reporting-db-shop"]);
        const byName = new Map(settings.map((s) => [s.name, s.inputs]));
        const scopeOf = (n: string) => {
            const { database, role, settings: s, adopt } = byName.get(n)!;
            return { database, role, settings: s, adopt };
        };
        assert.deepEqual(scopeOf("scoped-db-shop"), { database: "shop", role: undefined, settings: { log: "write, ddl" }, adopt: true });
        assert.deepEqual(scopeOf("scoped-role-app"), { database: undefined, role: "app", settings: { log: ["all", "-misc"], logRelation: true }, adopt: true });
        assert.deepEqual(scopeOf("scoped-role-reporting-db-shop"), { database: "shop", role: "reporting", settings: { log: ["read"] }, adopt: true });
        for (const s of settings) {
            const connection = unsecret(s.inputs.connection);
            assert.equal(connection.secret, true, `${s.name}: connection must be secret`);
            assert.deepEqual(connection.value, {
                host: "orders-pg-proj.aivencloud.com",
                port: 24947,
                user: "avnadmin",
                password: PASSWORD,
                database: "defaultdb",
                sslMode: "verify-full",
                caCert: CA,
            });
            assert.ok(dependencies(rec.opts.get(s.name)).includes(c.service), `${s.name} must depend on the service`);
            assert.match(s.inputs.__provider as string, /pulumi-aiven-pgaudit\/provider/);
        }
        assert.equal(c.settings.databases.shop, c.settings.databases["shop"]);
        assert.deepEqual(Object.keys(c.settings.databases).sort(), ["defaultdb", "shop"]);
        assert.deepEqual(Object.keys(c.settings.roles), ["app"]);
        assert.deepEqual(Object.keys(c.settings.roleDatabases.reporting), ["shop"]);
        assert.equal(
            await valueOf(c.settings.roles.app.urn),
            `urn:pulumi:test::pgaudit-test::aiven-pgaudit:index:PgAuditLogging$${SETTING_TYPE}::scoped-role-app`,
        );
    },
);

test("exclusive: one PgAuditExclusive with every declared scope, a secret connection, after the settings", { timeout: 10000 }, async () => {
    const rec = optionsRecorder();
    const c = new PgAuditLogging(
        "excl",
        declaredArgs({
            databases: { shop: { log: ["ddl"] } },
            roles: { app: { log: ["write"] } },
            roleDatabases: [{ role: "app", database: "shop", settings: { log: ["read"] } }],
            exclusive: true,
            onUnresettable: "report",
        }),
        { transformations: rec.transformations },
    );
    await settled(c);
    assert.ok(c.exclusive);
    await valueOf(c.exclusive.urn);
    const exclusive = one("excl", "pulumi-nodejs:dynamic/pgaudit:PgAuditExclusive");
    assert.equal(exclusive.name, "excl-exclusive");
    assert.deepEqual(exclusive.inputs.declaredScopes, [{ database: "shop" }, { role: "app" }, { role: "app", database: "shop" }]);
    assert.equal(exclusive.inputs.onUnresettable, "report");
    const connection = unsecret(exclusive.inputs.connection);
    assert.equal(connection.secret, true);
    assert.equal((connection.value as { user: string }).user, "avnadmin");
    const deps = dependencies(rec.opts.get("excl-exclusive"));
    for (const setting of [c.settings.databases.shop, c.settings.roles.app, c.settings.roleDatabases.app.shop]) {
        assert.ok(deps.includes(setting), "the exclusive reset runs after every declared setting");
    }
    // Without exclusive, there is none.
    const plain = new PgAuditLogging("nonexcl", declaredArgs({ roles: { app: { log: ["write"] } } }));
    await settled(plain);
    assert.equal(plain.exclusive, undefined);
    assert.equal(registered("nonexcl").filter((r) => r.type === "pulumi-nodejs:dynamic/pgaudit:PgAuditExclusive").length, 0);
});

test("settingsDependOn: a function gets the declared service, and the settings wait for what it returns", { timeout: 10000 }, async () => {
    const rec = optionsRecorder();
    let given: aiven.Pg | undefined;
    let database: aiven.PgDatabase | undefined;
    const c = new PgAuditLogging(
        "deps",
        declaredArgs({
            databases: { shop: { log: ["write"] } },
            settingsDependOn: (pg) => {
                given = pg;
                database = new aiven.PgDatabase("deps-shop", { project: "proj", serviceName: pg.serviceName, databaseName: "shop" });
                return [database];
            },
        }),
        { transformations: rec.transformations },
    );
    await settled(c);
    assert.equal(given, c.service);
    const deps = dependencies(rec.opts.get("deps-db-shop"));
    assert.ok(deps.includes(c.service) && deps.includes(database), "the setting waits for the service and the database");
});

test("kept service: the user's aiven.Pg with pgAuditUserConfig(audit); the component declares no service of its own", { timeout: 10000 }, async () => {
    const rec = optionsRecorder();
    const audit = { logs: ["ddl", "write"] as ("ddl" | "write")[], logRelation: true };
    const pg = new aiven.Pg("kept-own-pg", {
        project: "proj",
        plan: "startup-4",
        serviceName: "kept-pg",
        pgUserConfig: { pgVersion: "17", ...pgAuditUserConfig(audit) },
    });
    const c = new PgAuditLogging(
        "kept",
        {
            project: "proj",
            service: pg,
            audit,
            roles: { app: { log: ["ddl"] } },
            opensearch: { serviceName: "shared-logs" },
            settingsResource: "PgAuditSetting",
        },
        { transformations: rec.transformations },
    );
    await settled(c);
    assert.equal(c.service, pg);
    assert.equal(registered("kept").filter((r) => r.type === "aiven:index/pg:Pg").length, 1, "only the user's own aiven.Pg");
    assert.deepEqual((one("kept-own-pg", "aiven:index/pg:Pg").inputs.pgUserConfig as { pgaudit: unknown }).pgaudit, {
        featureEnabled: true,
        logs: ["ddl", "write"],
        logRelation: true,
    });
    assert.equal(one("kept", "aiven:index/serviceIntegration:ServiceIntegration").inputs.sourceServiceName, "kept-pg");
    const setting = one("kept", SETTING_TYPE);
    assert.equal(setting.name, "kept-role-app");
    assert.equal((unsecret(setting.inputs.connection).value as { host: string }).host, "kept-pg-proj.aivencloud.com");
    assert.ok(dependencies(rec.opts.get("kept-role-app")).includes(pg));
    assert.deepEqual(await valueOf(c.pgaudit), { featureEnabled: true, logs: ["ddl", "write"], logRelation: true });
});

test("a connection given by the user is passed as given, and secret", { timeout: 10000 }, async () => {
    const uri = "postgresql://auditor:pw-in-uri@db.example.com:5432/defaultdb?sslmode=require";
    const c = new PgAuditLogging("conn", declaredArgs({ roles: { app: { log: ["ddl"] } }, connection: uri }));
    await settled(c);
    const connection = unsecret(one("conn", SETTING_TYPE).inputs.connection);
    assert.deepEqual(connection, { secret: true, value: uri });
});

test("caCert: the default connection verifies with the CA given, and aiven.getProject is never called", { timeout: 10000 }, async () => {
    const given = "-----BEGIN CERTIFICATE-----\nGIVEN CA\n-----END CERTIFICATE-----";
    const before = invokes.length;
    const c = new PgAuditLogging("given-ca", declaredArgs({ roles: { app: { log: ["ddl"] } }, caCert: given }));
    await settled(c);
    const connection = unsecret(one("given-ca", SETTING_TYPE).inputs.connection);
    assert.equal(connection.secret, true);
    assert.equal((connection.value as { caCert: string }).caCert, given);
    assert.equal((connection.value as { sslMode: string }).sslMode, "verify-full");
    assert.deepEqual(invokes.slice(before), []);
});

test("caCert with a connection of the user's own fails, saying where the CA goes", () => {
    assert.throws(
        () => new PgAuditLogging("both", declaredArgs({ roles: { app: { log: ["ddl"] } }, connection: "postgresql://a:b@h:5432/d", caCert: CA })),
        /caCert: is the CA of the default connection; with connection given, put caCert inside connection instead/,
    );
});

test("pgAuditUserConfig: the pgaudit block with featureEnabled defaulted to true, or as declared", () => {
    assert.deepEqual(pgAuditUserConfig({ logs: ["ddl"] }), { pgaudit: { featureEnabled: true, logs: ["ddl"] } });
    assert.deepEqual(pgAuditUserConfig(), { pgaudit: { featureEnabled: true } });
    assert.deepEqual(pgAuditUserConfig({ featureEnabled: false }), { pgaudit: { featureEnabled: false } });
});

test("child names come from the scope: reordering or adding entries keeps every other name", { timeout: 10000 }, async () => {
    const names = async (component: string, args: Partial<PgAuditLoggingArgs>) => {
        const c = new PgAuditLogging(component, declaredArgs(args));
        await settled(c);
        return registered(component)
            .filter((r) => r.type === SETTING_TYPE)
            .map((r) => r.name.slice(component.length))
            .sort();
    };
    const before = await names("order1", {
        databases: { shop: { log: ["write"] }, crm: { log: ["ddl"] } },
        roles: { app: { log: ["ddl"] }, bi: { log: ["read"] } },
        roleDatabases: [
            { role: "app", database: "shop", settings: { log: ["read"] } },
            { role: "bi", database: "crm", settings: { log: ["read"] } },
        ],
    });
    const after = await names("order2", {
        roles: { ops: { log: ["all"] }, bi: { log: ["read"] }, app: { log: ["ddl"] } },
        databases: { crm: { log: ["ddl"] }, audit: { log: ["all"] }, shop: { log: ["write"] } },
        roleDatabases: [
            { role: "ops", database: "crm", settings: { log: ["all"] } },
            { role: "bi", database: "crm", settings: { log: ["read"] } },
            { role: "app", database: "shop", settings: { log: ["read"] } },
        ],
    });
    assert.deepEqual(before, ["-db-crm", "-db-shop", "-role-app", "-role-app-db-shop", "-role-bi", "-role-bi-db-crm"]);
    assert.deepEqual(
        after.filter((n) => !before.includes(n)),
        ["-db-audit", "-role-ops", "-role-ops-db-crm"],
    );
    assert.ok(before.every((n) => after.includes(n)));
});

test("child names are injective: dashes, URN separators and non-ASCII names are encoded", () => {
    assert.notEqual(scopeResourceName("x", { role: "a-db-b" }), scopeResourceName("x", { role: "a", database: "b" }));
    assert.equal(scopeResourceName("x", { role: "a-db-b" }), "x-role-a%2Ddb%2Db");
    assert.equal(scopeResourceName("x", { database: "a::b" }), "x-db-a%3A%3Ab");
    assert.equal(scopeResourceName("x", { database: "%2D" }), "x-db-%252D");
    assert.equal(scopeResourceName("x", { role: "Ünïcode user" }), "x-role-%C3%9Cn%C3%AFcode%20user");
    assert.equal(scopeResourceName("x", { role: "app_1.v2", database: "Shop" }), "x-role-app_1.v2-db-Shop");
});

test("no password in the component's own outputs; the service password stays a secret output", { timeout: 10000 }, async () => {
    const c = new PgAuditLogging("nopw", declaredArgs({ databases: { shop: { log: ["ddl"] } }, opensearch: { serviceName: "shared-logs" } }));
    await settled(c);
    const outputs: pulumi.Output<unknown>[] = [c.pgaudit, c.indexPattern!, c.dashboardsFilter!];
    const plain = JSON.stringify(await valueOf(pulumi.all(outputs)));
    assert.ok(!plain.includes(PASSWORD));
    for (const r of registered("nopw").filter((r) => r.type !== SETTING_TYPE)) {
        assert.ok(!JSON.stringify(r.inputs).includes(PASSWORD), `${r.type} ${r.name} must not carry the password`);
    }
    assert.ok(JSON.stringify(one("nopw", SETTING_TYPE).inputs.connection).includes(SECRET_SIG));
});

test(
    "the component writes no SQL: it loads no PostgreSQL client, imports no SQL module, registers only Aiven and PgAuditSetting resources",
    { timeout: 10000 },
    async () => {
        const c = new PgAuditLogging("nosql", declaredArgs({ databases: { shop: { log: ["ddl"] } }, opensearch: { serviceName: "x", plan: "startup-4" } }));
        await settled(c);
        const allowed = new Set([
            "aiven-pgaudit:index:PgAuditLogging",
            "aiven:index/pg:Pg",
            "aiven:index/openSearch:OpenSearch",
            "aiven:index/serviceIntegration:ServiceIntegration",
            SETTING_TYPE,
        ]);
        assert.deepEqual(
            registered("nosql").filter((r) => !allowed.has(r.type)),
            [],
        );
        const loaded = Object.keys(require.cache);
        assert.deepEqual(
            loaded.filter((file) => /[\\/]node_modules[\\/]pg[\\/]/.test(file)),
            [],
            "node-postgres must not be loaded",
        );
        assert.deepEqual(
            loaded.filter((file) => /[\\/]provider[\\/](core[\\/](sql|exclusiveMode)|connection|catalog[\\/]\w+|\w+[\\/](provider|store))\.js$/.test(file)),
            [],
        );

        // Statements could only be sent from string literals (comments may name them), so those are searched.
        const statement = /\b(ALTER\s+(DATABASE|ROLE|SYSTEM)|SELECT\b[\s\S]*\bFROM|RESET\s+(ALL|pgaudit)|SET\s+pgaudit\.|GRANT\s+SET)\b/i;
        const literals = (text: string) => text.match(/"(?:\\.|[^"\\\n])*"|'(?:\\.|[^'\\\n])*'|`(?:\\.|[^`\\])*`/g) ?? [];
        assert.match(literals(`const q = "ALTER DATABASE shop SET pgaudit.log = 'ddl'";`).join(), statement, "the detector finds SQL");
        const root = path.resolve(__dirname, "..", "..", "..");
        const sources = fs.readdirSync(path.join(root, "components")).filter((f) => f.endsWith(".ts"));
        assert.ok(sources.includes("pgAuditLogging.ts"), "reads the component sources");
        for (const file of sources) {
            const text = fs.readFileSync(path.join(root, "components", file), "utf8");
            const code = text.replace(/\/\*[\s\S]*?\*\//g, "").replace(/^\s*\/\/.*$/gm, "");
            assert.deepEqual(
                literals(code).filter((l) => statement.test(l)),
                [],
                `${file} holds SQL`,
            );
            assert.doesNotMatch(
                text,
                /from\s+"(pg|\.\.\/provider\/(core\/(sql|scopePlan|exclusiveMode)|connection|catalog\/\w+|\w+\/(provider|plan|store)))"/,
                `${file} imports a SQL module`,
            );
        }
    },
);
