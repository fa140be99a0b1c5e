/**
 * The stand-in of Aiven's API (sandbox/aivenApi.ts) itself, without the CLI: it refuses what
 * Aiven's schema refuses with Aiven's error shape, applies user_config.pgaudit to the real
 * server, makes TCP logins TLS-only with a certificate its project CA signs, and makes real
 * databases and roles. The CLI tests rely on each of these.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import pg from "pg";
import { startAivenApi, type AivenApiStandIn } from "../../sandbox/aivenApi";
import { startCluster, type TestCluster } from "../../sandbox/cluster";

let cluster: TestCluster;
let api: AivenApiStandIn;

before(async () => {
    cluster = await startCluster();
    api = await startAivenApi(cluster);
});
after(async () => {
    await api?.stop();
    await cluster?.stop();
});

/** The fields of the stand-in's replies these tests read. */
interface Reply {
    message?: string;
    errors?: { message: string }[];
    service?: { service_uri_params: { port: string } };
}

async function call(method: string, path: string, body?: unknown): Promise<{ status: number; json: Reply }> {
    const res = await fetch(`${api.url}/v1/project/${api.project}${path}`, { method, body: body === undefined ? undefined : JSON.stringify(body) });
    return { status: res.status, json: (await res.json()) as Reply };
}

const setting = async (name: string) => (await cluster.sql<{ s: string }>(`SELECT setting AS s FROM pg_settings WHERE name = $1`, [name]))[0].s;

test("the stand-in refuses user configs Aiven's schema refuses, all problems in Aiven's error shape, and creates nothing", async () => {
    const bad = await call("POST", "/service", {
        service_name: "bad-pg",
        service_type: "pg",
        plan: "startup-4",
        user_config: { pg_version: "9", pgaudit: { feature_enabled: true, log: ["none"], log_level: "loud", bogus: 1 } },
    });
    assert.equal(bad.status, 400);
    assert.equal(typeof bad.json.message, "string");
    const messages = (bad.json.errors ?? []).map((e) => e.message);
    assert.equal(messages.length, 4, messages.join("\n"));
    assert.ok(messages.some((m) => m.startsWith("user_config.pgaudit.log[0]:")));
    assert.ok(messages.some((m) => m.startsWith("user_config.pgaudit.log_level:")));
    assert.ok(messages.some((m) => /user_config\.pgaudit\.bogus: Additional properties are not allowed/.test(m)));
    assert.ok(messages.some((m) => m.startsWith("user_config.pg_version:")));
    assert.equal(api.services.size, 0);
});

test("the stand-in's pg service applies user_config.pgaudit with ALTER SYSTEM; feature_enabled false resets it", async () => {
    const made = await call("POST", "/service", {
        service_name: "t-pg",
        service_type: "pg",
        plan: "startup-4",
        user_config: { pgaudit: { feature_enabled: true, log: ["ddl", "role"], log_catalog: false } },
    });
    assert.equal(made.status, 200);
    assert.equal(made.json.service?.service_uri_params.port, String(cluster.port), "a numeric string, as the provider needs");
    assert.equal(await setting("pgaudit.log"), "ddl,role");
    assert.equal(await setting("pgaudit.log_catalog"), "off");
    await call("PUT", "/service/t-pg", { user_config: { pgaudit: { feature_enabled: false, log: ["ddl"] } } });
    assert.equal(await setting("pgaudit.log"), "none");
    assert.equal(await setting("pgaudit.log_catalog"), "on");
    const second = await call("POST", "/service", { service_name: "t2-pg", service_type: "pg", plan: "startup-4" });
    assert.equal(second.status, 409, "one PostgreSQL: the sandbox cluster");
});

test("the stand-in's logs integration refuses a bad prefix, days out of bounds and too many fields", async () => {
    await call("POST", "/service", { service_name: "t-os", service_type: "opensearch", plan: "startup-4" });
    const bad = await call("POST", "/integration", {
        integration_type: "logs",
        source_service: "t-pg",
        dest_service: "t-os",
        user_config: {
            elasticsearch_index_prefix: "-x",
            elasticsearch_index_days_max: 0,
            selected_log_fields: ["HOSTNAME", "PRIORITY", "REALTIME_TIMESTAMP", "SYSTEMD_UNIT", "service_name", "HOSTNAME"],
        },
    });
    assert.equal(bad.status, 400);
    assert.equal(bad.json.errors?.length, 3, JSON.stringify(bad.json.errors));
    assert.equal(api.integrations.size, 0);
    const good = await call("POST", "/integration", {
        integration_type: "logs",
        source_service: "t-pg",
        dest_service: "t-os",
        user_config: { elasticsearch_index_days_max: 3 },
    });
    assert.equal(good.status, 200);
    assert.equal(api.integrations.size, 1);
});

test("the stand-in's service takes TLS logins only, verified against its project CA; users and databases are real", async () => {
    const base = { host: cluster.host, port: cluster.port, user: cluster.admin.user, password: cluster.admin.password, database: "defaultdb" };
    await assert.rejects(new pg.Client({ ...base, ssl: false }).connect(), /no encryption/);
    const tls = new pg.Client({ ...base, ssl: { ca: api.caCert, rejectUnauthorized: true } });
    await tls.connect();
    await tls.end();
    assert.equal((await call("POST", "/service/t-pg/user", { username: "u1" })).status, 200);
    assert.equal((await call("POST", "/service/t-pg/db", { database: "d1", lc_collate: "en_US.UTF-8", lc_ctype: "en_US.UTF-8" })).status, 200);
    assert.equal((await cluster.sql(`SELECT 1 FROM pg_roles WHERE rolname = 'u1'`)).length, 1);
    const [owner] = await cluster.sql<{ o: string }>(`SELECT pg_get_userbyid(datdba) AS o FROM pg_database WHERE datname = 'd1'`);
    assert.equal(owner.o, "avnadmin");
    await cluster.sql(`ALTER ROLE u1 SET pgaudit.log = 'ddl'`);
    await call("DELETE", "/service/t-pg/user/u1");
    const drop = api.requests.find((r) => r.method === "DELETE" && r.path.endsWith("/user/u1"));
    assert.deepEqual(drop?.settingsAtDrop, ["pgaudit.log=ddl"], "what the role still held when dropped");
    assert.equal((await cluster.sql(`SELECT 1 FROM pg_roles WHERE rolname = 'u1'`)).length, 0);
});
