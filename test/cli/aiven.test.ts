/**
 * examples/aiven and examples/existing-service through the real `pulumi` CLI and the real Aiven
 * provider plugin (6.51.0), against a STAND-IN of Aiven's HTTP API (sandbox/aivenApi.ts) whose
 * PostgreSQL is the sandbox's real PostgreSQL + pgaudit, reached over TLS verified against the
 * stand-in's project CA. Each step is checked at the stand-in (its request log and records) and
 * in the catalog, and by AUDIT lines of new sessions. One stack per example, steps in sequence:
 * the provider's own sleeps (~30 s a service, ~55 s an integration, 15 s a PgUser) dominate.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import pg from "pg";
import { startAivenApi, type AivenApiStandIn } from "../../sandbox/aivenApi";
import { aivenExampleProject, replaceOnce, type AivenExampleProject } from "../../sandbox/aivenExample";
import { startCluster, type TestCluster } from "../../sandbox/cluster";
import type { CliRun, PulumiWorkspace } from "../../sandbox/pulumiCli";
import { resourceIn } from "../support/checkpoint";

let cluster: TestCluster;
let api: AivenApiStandIn;
let ex: AivenExampleProject;
let ws: PulumiWorkspace;
const times: Record<string, number> = {};

before(async () => {
    cluster = await startCluster();
    api = await startAivenApi(cluster);
    ex = await aivenExampleProject(api);
    ws = ex.workspace;
});
after(async () => {
    console.log(
        `step times (s): ${Object.entries(times)
            .map(([k, v]) => `${k} ${(v / 1000).toFixed(1)}`)
            .join(", ")}`,
    );
    ex?.remove();
    await api?.stop();
    await cluster?.stop();
});

const useExample = (example: string, edit?: (program: string) => string) => ex.useExample(example, edit);

async function pulumi(stack: string, label: string, args: string[], allowFailure = false): Promise<CliRun> {
    const run = await ex.run(stack, args, allowFailure);
    times[`${stack} ${label}`] = run.ms;
    return run;
}

async function serverSetting(name: string): Promise<string> {
    return (await cluster.sql<{ setting: string }>(`SELECT setting FROM pg_settings WHERE name = $1`, [name]))[0].setting;
}

/** Every pgaudit entry of pg_db_role_setting, as "database/role: name=value" ("*" for any). */
async function scopeRows(): Promise<string[]> {
    const rows = await cluster.sql<{ d: string | null; r: string | null; c: string }>(
        `SELECT d.datname AS d, r.rolname AS r, c FROM pg_db_role_setting s LEFT JOIN pg_database d ON d.oid = s.setdatabase
           LEFT JOIN pg_roles r ON r.oid = s.setrole, unnest(s.setconfig) c WHERE c LIKE 'pgaudit.%'`,
    );
    return rows.map((x) => `${x.d ?? "*"}/${x.r ?? "*"}: ${x.c}`).sort();
}

/** AUDIT lines of a new session as `role` in `database` running `sql`. */
async function auditOf(role: string, database: string, sql: string): Promise<string[]> {
    const offset = cluster.logOffset();
    const app = `probe_${role}_${Date.now()}`;
    const client = await cluster.connectAs(role, database, app);
    try {
        await client.query(sql);
    } finally {
        await client.end();
    }
    return cluster.waitForAuditLines(offset, app, 1, 2000);
}

/** A secret of `stack export --show-secrets` (`{ <sig>, plaintext }`), as its value. */
function revealed(value: unknown): unknown {
    return value !== null && typeof value === "object" && "plaintext" in value && typeof value.plaintext === "string" ? JSON.parse(value.plaintext) : value;
}

const calls = (method: string, pattern: RegExp) => api.requests.filter((r) => r.method === method && pattern.test(r.path));

const STACK = "aiven";
const PREFIX = "t1";

test(
    "examples/aiven, against the stand-in of Aiven's API: a bad audit input fails at preview with the component's message, before any Aiven call",
    { timeout: 300_000 },
    async () => {
        useExample("aiven", (p) => replaceOnce(p, `audit: { logs: ["ddl", "role"]`, `audit: { logs: ["ddl", "none"] as never[]`));
        await ws.initStack(STACK, {
            plain: { project: api.project, servicePrefix: PREFIX, pgVersion: String(cluster.major) },
            secrets: { "aiven:apiToken": "stand-in-token" },
        });
        api.clearRequests();
        const run = await pulumi(STACK, "bad preview", ["preview"], true);
        assert.notEqual(run.code, 0);
        assert.match(run.stdout + run.stderr, /PgAuditLogging "audit": audit\.logs\[1\]: Aiven has no "none" class/);
        assert.deepEqual(api.serviceCalls(), [], "no service or integration call was made");
    },
);

test(
    "examples/aiven, against the stand-in of Aiven's API: up creates the services, the integration, the database and roles, and every scope",
    { timeout: 900_000 },
    async () => {
        useExample("aiven");
        api.clearRequests();
        await pulumi(STACK, "up", ["up", "--yes", "--skip-preview"]);
        const pgName = `${PREFIX}-pg`;
        const osName = `${PREFIX}-os`;
        // At the stand-in: what the provider sent.
        assert.deepEqual(api.services.get(pgName)?.user_config.pgaudit, {
            feature_enabled: true,
            log: ["ddl", "role"],
            log_catalog: false,
            log_relation: true,
        });
        assert.equal(api.services.get(osName)?.service_type, "opensearch");
        const integrations = [...api.integrations.values()];
        assert.equal(integrations.length, 1);
        assert.deepEqual(
            {
                type: integrations[0].integration_type,
                from: integrations[0].source_service,
                to: integrations[0].dest_service,
                config: integrations[0].user_config,
            },
            { type: "logs", from: pgName, to: osName, config: { elasticsearch_index_days_max: 30, elasticsearch_index_prefix: "pg-audit" } },
        );
        // The stand-in answered every call of the up (a plan's 404 is what the provider expects).
        assert.deepEqual(
            api.requests.filter((r) => r.status >= 400 && !/\/service-types\//.test(r.path)).map((r) => `${r.method} ${r.path} ${r.status}`),
            [],
        );
        assert.equal(calls("POST", /\/user$/).length, 2);
        assert.equal(calls("POST", /\/db$/).length, 1);
        // On the server: the service level through ALTER SYSTEM, the scopes in the catalog.
        assert.equal(await serverSetting("pgaudit.log"), "ddl,role");
        assert.equal(await serverSetting("pgaudit.log_catalog"), "off");
        assert.equal(await serverSetting("pgaudit.log_relation"), "on");
        assert.deepEqual(await scopeRows(), [
            "*/app: pgaudit.log=all,-misc",
            "*/app: pgaudit.log_parameter=on",
            "shop/*: pgaudit.log=write,ddl,role",
            "shop/reporting: pgaudit.log=read",
        ]);
        // The per-scope settings were written over TLS verified against the stand-in's project CA.
        const state = await ws.exportStack(STACK, true);
        const scopes = resourceIn(state.deployment, (r) => r.type.endsWith("PgAuditScopes"), "PgAuditScopes");
        const connection = revealed(scopes.outputs.connection) as { sslMode?: unknown; caCert?: unknown };
        assert.equal(connection.sslMode, "verify-full");
        assert.equal(connection.caCert, api.caCert);
        // TCP logins are TLS-only at the stand-in's service, as on Aiven.
        const plain = new pg.Client({
            host: cluster.host,
            port: cluster.port,
            user: cluster.admin.user,
            password: cluster.admin.password,
            database: "defaultdb",
            ssl: false,
        });
        await assert.rejects(plain.connect(), /no encryption/);
        // New sessions as the audited roles.
        await cluster.sql(`CREATE TABLE orders(item text); GRANT ALL ON orders TO app, reporting`, [], "shop");
        const app = await auditOf("app", "shop", `INSERT INTO orders VALUES ('tea')`);
        assert.equal(app.length, 1, app.join("\n"));
        assert.match(app[0], /AUDIT: SESSION,1,1,WRITE,INSERT,TABLE,public\.orders,/);
        const reporting = await auditOf("reporting", "shop", `SELECT count(*) FROM orders`);
        assert.match(reporting.join("\n"), /AUDIT: SESSION,1,1,READ,SELECT,TABLE,public\.orders,/);
    },
);

test(
    "examples/aiven, against the stand-in: preview --expect-no-changes of the unchanged stack passes, without calling getProject",
    { timeout: 300_000 },
    async () => {
        api.clearRequests();
        await pulumi(STACK, "preview", ["preview", "--expect-no-changes"]);
        // A preview reads nothing from the API for the CA (getProject: GET /v1/project, …/kms/ca and a
        // 10 s sleep): the connection's CA is taken at up. What is left is the provider's diff of
        // each existing service, which reads its static IPs.
        assert.deepEqual(calls("GET", /\/kms\/ca$/), []);
        assert.deepEqual(
            api.requests.map((r) => `${r.method} ${r.path}`),
            [`GET /v1/project/${api.project}/static-ips`, `GET /v1/project/${api.project}/static-ips`],
        );
    },
);

test("examples/aiven, against the stand-in: refresh sees a hand change on each side, up puts both back", { timeout: 600_000 }, async () => {
    const pgName = `${PREFIX}-pg`;
    // Through the API (the console): the service logs writes too. By SQL: app silenced.
    await api.setUserConfig(pgName, { pgaudit: { ...(api.services.get(pgName)!.user_config.pgaudit as object), log: ["ddl", "role", "write"] } });
    assert.equal(await serverSetting("pgaudit.log"), "ddl,role,write");
    await cluster.sql(`ALTER ROLE app SET pgaudit.log = 'none'`);
    const refresh = await pulumi(STACK, "refresh", ["refresh", "--yes", "--skip-preview"]);
    assert.match(refresh.stdout, /aiven:index:Pg +audit-pg +updated .*\[diff: ~pgUserConfig\]/);
    assert.match(refresh.stdout, /PgAuditScopes +audit-scopes +updated .*\[diff: ~scopes\]/);
    const preview = await pulumi(STACK, "preview after refresh", ["preview", "--expect-no-changes"], true);
    assert.notEqual(preview.code, 0, "the drift shows as a change to make");
    api.clearRequests();
    await pulumi(STACK, "up (put back)", ["up", "--yes", "--skip-preview"]);
    assert.deepEqual(api.services.get(pgName)?.user_config.pgaudit, { feature_enabled: true, log: ["ddl", "role"], log_catalog: false, log_relation: true });
    assert.equal(calls("PUT", new RegExp(`/service/${pgName}$`)).length, 1);
    assert.equal(await serverSetting("pgaudit.log"), "ddl,role");
    assert.ok((await scopeRows()).includes("*/app: pgaudit.log=all,-misc"));
    assert.equal((await auditOf("app", "shop", `INSERT INTO orders VALUES ('tea')`)).length, 1);
});

test("examples/aiven, against the stand-in: an update adds a role scope, changes service-level logs and the index days", { timeout: 600_000 }, async () => {
    const pgName = `${PREFIX}-pg`;
    useExample("aiven", (p) =>
        replaceOnce(
            replaceOnce(
                replaceOnce(p, `audit: { logs: ["ddl", "role"]`, `audit: { logs: ["ddl", "role", "write"]`),
                `roles: { app: { log: ["all", "-misc"], logParameter: true } }`,
                `roles: { app: { log: ["all", "-misc"], logParameter: true }, reporting: { log: ["ddl"] } }`,
            ),
            `indexDaysMax: 30`,
            `indexDaysMax: 14`,
        ),
    );
    api.clearRequests();
    await pulumi(STACK, "update", ["up", "--yes", "--skip-preview"]);
    assert.deepEqual((api.services.get(pgName)?.user_config.pgaudit as { log: string[] }).log, ["ddl", "role", "write"]);
    assert.equal([...api.integrations.values()][0].user_config.elasticsearch_index_days_max, 14);
    assert.equal(calls("PUT", /\/integration\/[^/]+$/).length, 1, "the integration was updated in place");
    assert.equal(calls("POST", /\/integration$/).length, 0);
    assert.equal(await serverSetting("pgaudit.log"), "ddl,role,write");
    assert.ok((await scopeRows()).includes("*/reporting: pgaudit.log=ddl"));
    await pulumi(STACK, "preview after update", ["preview", "--expect-no-changes"]);
});

test(
    "examples/aiven, against the stand-in: destroy resets the scopes before the roles and database go, then deletes the services and integration",
    { timeout: 600_000 },
    async () => {
        await cluster.sql(`DROP TABLE IF EXISTS orders`, [], "shop");
        api.clearRequests();
        await pulumi(STACK, "destroy", ["destroy", "--yes", "--skip-preview"]);
        const drops = api.requests.filter((r) => r.method === "DELETE" && /\/(user|db)\/[^/]+$/.test(r.path));
        assert.equal(drops.length, 3, JSON.stringify(drops.map((d) => d.path)));
        for (const d of drops) assert.deepEqual(d.settingsAtDrop, [], `${d.path}: its pgaudit settings were reset before the drop`);
        assert.equal(calls("DELETE", /\/integration\/[^/]+$/).length, 1);
        assert.equal(api.services.size, 0);
        assert.equal(api.integrations.size, 0);
        assert.deepEqual(await scopeRows(), []);
        assert.equal(await serverSetting("pgaudit.log"), "none");
        await ws.run(["stack", "rm", STACK, "--yes", "--force"]);
    },
);

const KEPT = "existing";
const KEPT_PG = "orders-pg";
const KEPT_OS = "shared-os";

test(
    "examples/existing-service, against the stand-in: the component beside the stack's own aiven.Pg and an existing OpenSearch, up and preview",
    { timeout: 900_000 },
    async () => {
        // The OpenSearch service exists before the stack (made through the stand-in's API, as in the console).
        const made = await fetch(`${api.url}/v1/project/${api.project}/service`, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({ service_name: KEPT_OS, service_type: "opensearch", plan: "startup-4", cloud: "google-europe-west1" }),
        });
        assert.equal(made.status, 200);
        useExample("existing-service");
        await ws.initStack(KEPT, {
            plain: { project: api.project, serviceName: KEPT_PG, opensearchService: KEPT_OS, pgVersion: String(cluster.major) },
            secrets: { "aiven:apiToken": "stand-in-token" },
        });
        api.clearRequests();
        await pulumi(KEPT, "up", ["up", "--yes", "--skip-preview"]);
        assert.deepEqual(api.services.get(KEPT_PG)?.user_config.pgaudit, { feature_enabled: true, log: ["ddl", "role"], log_catalog: false });
        const integrations = [...api.integrations.values()];
        assert.deepEqual(
            integrations.map((i) => [i.integration_type, i.source_service, i.dest_service, i.user_config]),
            [["logs", KEPT_PG, KEPT_OS, { elasticsearch_index_prefix: "pg-audit" }]],
        );
        assert.equal(await serverSetting("pgaudit.log"), "ddl,role");
        assert.deepEqual(await scopeRows(), [
            "*/app: pgaudit.log=all,-misc",
            "shop/*: pgaudit.log=write,ddl",
            "shop/app: pgaudit.log=read,write",
            "shop/app: pgaudit.log_rows=on",
        ]);
        await cluster.sql(`CREATE TABLE orders(item text); GRANT ALL ON orders TO app`, [], "shop");
        const lines = await auditOf("app", "shop", `SELECT count(*) FROM orders`);
        // log_rows (app in shop) adds the row count; without the service's logRelation, no object name.
        assert.match(lines.join("\n"), /AUDIT: SESSION,1,1,READ,SELECT,,,SELECT count\(\*\) FROM orders,<not logged>,1$/);

        api.clearRequests();
        await pulumi(KEPT, "preview", ["preview", "--expect-no-changes"]);
        assert.deepEqual(calls("GET", /\/kms\/ca$/), [], "no getProject at preview");
    },
);

test(
    "examples/existing-service, against the stand-in: refresh after a role setting changed by SQL, up puts it back; an update of the service-level logs",
    { timeout: 600_000 },
    async () => {
        await cluster.sql(`ALTER ROLE app IN DATABASE shop SET pgaudit.log = 'none'`);
        const refresh = await pulumi(KEPT, "refresh", ["refresh", "--yes", "--skip-preview"]);
        assert.match(refresh.stdout, /PgAuditScopes +audit-scopes +updated .*\[diff: ~scopes\]/);
        assert.doesNotMatch(refresh.stdout, /aiven:index:Pg +pg +updated/);
        await pulumi(KEPT, "up (put back)", ["up", "--yes", "--skip-preview"]);
        assert.ok((await scopeRows()).includes("shop/app: pgaudit.log=read,write"));

        useExample("existing-service", (p) =>
            replaceOnce(p, `const audit: PgAuditConfigInput = { logs: ["ddl", "role"]`, `const audit: PgAuditConfigInput = { logs: ["ddl", "role", "read"]`),
        );
        api.clearRequests();
        await pulumi(KEPT, "update", ["up", "--yes", "--skip-preview"]);
        assert.deepEqual((api.services.get(KEPT_PG)?.user_config.pgaudit as { log: string[] }).log, ["ddl", "role", "read"]);
        assert.equal(await serverSetting("pgaudit.log"), "ddl,role,read");
        await pulumi(KEPT, "preview after update", ["preview", "--expect-no-changes"]);
    },
);

test(
    "examples/existing-service, against the stand-in: destroy resets the scopes before the role and database go; the existing OpenSearch stays",
    { timeout: 600_000 },
    async () => {
        await cluster.sql(`DROP TABLE IF EXISTS orders`, [], "shop");
        api.clearRequests();
        await pulumi(KEPT, "destroy", ["destroy", "--yes", "--skip-preview"]);
        const drops = api.requests.filter((r) => r.method === "DELETE" && /\/(user|db)\/[^/]+$/.test(r.path));
        assert.equal(drops.length, 2, JSON.stringify(drops.map((d) => d.path)));
        for (const d of drops) assert.deepEqual(d.settingsAtDrop, [], `${d.path}: its pgaudit settings were reset before the drop`);
        assert.equal(api.integrations.size, 0);
        assert.deepEqual([...api.services.keys()], [KEPT_OS]);
        assert.deepEqual(await scopeRows(), []);
    },
);
