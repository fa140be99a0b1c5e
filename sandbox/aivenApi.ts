/**
 * A STAND-IN of Aiven's HTTP API, backed by a real PostgreSQL: not Aiven, and not a mock of
 * PostgreSQL. The real Aiven provider plugin is pointed at it with
 * `AIVEN_WEB_URL=http://127.0.0.1:PORT` (no trailing slash) and any token. It answers the calls
 * listed in ../shared/aiven-api.md (what @pulumi/aiven 6.51.0 sends) with the fields the provider
 * needs, and nothing else:
 *
 *   - the one `pg` service IS the sandbox cluster (its host, port, avnadmin and password); its
 *     `user_config.pgaudit` is applied to the server with ALTER SYSTEM + pg_reload_conf() as the
 *     superuser, the way Aiven's management plane would; TCP logins are TLS-only (pg_hba
 *     `hostssl`) with a server certificate that the project CA served at /kms/ca signs;
 *   - PgDatabase and PgUser create real databases and roles, as avnadmin;
 *   - OpenSearch services and `logs` integrations are records only (nothing ships logs);
 *   - user configs are checked against Aiven's own schema (../shared/aiven-schema): unknown
 *     fields and bad values get Aiven's error shape, 400 `{"message","errors":[…]}`.
 *
 * Services are RUNNING and integrations active at once, so only the provider's own fixed sleeps
 * remain (FACTS.md: ~30 s a service create or delete, ~55 s an integration, 15 s a PgUser, 10 s
 * a getProject). Every request is kept in `requests` (bodies included, so they may hold
 * passwords: assert on them, never print them).
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import type net from "node:net";
import os from "node:os";
import path from "node:path";
import { randomBytes } from "node:crypto";
import pg from "pg";
import type { TestCluster } from "./cluster";
import { REPO_ROOT } from "./userProject";

/** One request the stand-in answered. */
export interface AivenRequest {
    readonly method: string;
    /** The path without the query string. */
    readonly path: string;
    readonly body: unknown;
    readonly status: number;
    /** For deletes of a role or database: the pgaudit entries pg_db_role_setting still held for it just before the drop. */
    readonly settingsAtDrop?: string[];
}

interface ServiceRecord {
    service_name: string;
    service_type: string;
    plan: string;
    cloud_name: string;
    user_config: Record<string, unknown>;
    tags: Record<string, string>;
    termination_protection: boolean;
    create_time: string;
}

interface IntegrationRecord {
    service_integration_id: string;
    integration_type: string;
    source_service: string;
    dest_service: string;
    source_project: string;
    dest_project: string;
    user_config: Record<string, unknown>;
}

export interface AivenApiStandIn {
    /** `http://127.0.0.1:PORT`, for AIVEN_WEB_URL. */
    readonly url: string;
    readonly project: string;
    /** The project CA (PEM) that signs the server's certificate. */
    readonly caCert: string;
    readonly requests: AivenRequest[];
    readonly services: Map<string, ServiceRecord>;
    readonly integrations: Map<string, IntegrationRecord>;
    /** Requests whose path is under /service or /integration (what a bad input must never reach). */
    serviceCalls(): AivenRequest[];
    /** Forget the request log (between steps). */
    clearRequests(): void;
    /** Change a service's user_config as the Aiven console or API would (a hand change), applied to the server. */
    setUserConfig(serviceName: string, userConfig: Record<string, unknown>): Promise<void>;
    /** Environment for the CLI: AIVEN_WEB_URL and a token. */
    env(): NodeJS.ProcessEnv;
    stop(): Promise<void>;
}

type Schema = {
    type?: string;
    properties?: Record<string, Schema>;
    items?: Schema;
    enum?: unknown[];
    minimum?: number;
    maximum?: number;
    minLength?: number;
    maxLength?: number;
    maxItems?: number;
    pattern?: string;
    "x-user-error"?: string;
};

/** Where ../shared lives (as scripts/aiven-plugin.sh finds it). */
function sharedDir(): string {
    return process.env.PULUMI_AIVEN_PGAUDIT_SHARED ?? path.join(REPO_ROOT, "..", "shared");
}

function loadSchemas(): { pgaudit: Schema; pgVersion: Schema; logs: Schema } {
    const dir = path.join(sharedDir(), "aiven-schema");
    const pgFile = JSON.parse(fs.readFileSync(path.join(dir, "pg-pgaudit.json"), "utf8")) as { pgaudit: Schema; pg_version: Schema };
    const logsFile = JSON.parse(fs.readFileSync(path.join(dir, "logs-integration.json"), "utf8")) as { logs: Schema };
    return { pgaudit: pgFile.pgaudit, pgVersion: pgFile.pg_version, logs: logsFile.logs };
}

/** Aiven's checks of a user config value: every property known, types, enums, bounds; all errors. */
function validate(schema: Schema, value: unknown, at: string, errors: string[]): void {
    const type = schema.type;
    if (type === "object") {
        if (value === null || typeof value !== "object" || Array.isArray(value)) return void errors.push(`${at}: must be an object`);
        for (const [k, v] of Object.entries(value)) {
            const sub = schema.properties?.[k];
            if (!sub) errors.push(`${at}.${k}: Additional properties are not allowed ('${k}' was unexpected)`);
            else validate(sub, v, `${at}.${k}`, errors);
        }
        return;
    }
    if (type === "array") {
        if (!Array.isArray(value)) return void errors.push(`${at}: must be an array`);
        if (schema.maxItems !== undefined && value.length > schema.maxItems) errors.push(`${at}: is too long (at most ${schema.maxItems} items)`);
        value.forEach((v, i) => schema.items && validate(schema.items, v, `${at}[${i}]`, errors));
        return;
    }
    if (type === "boolean" && typeof value !== "boolean") return void errors.push(`${at}: ${JSON.stringify(value)} is not of type 'boolean'`);
    if (type === "integer" && !Number.isInteger(value)) return void errors.push(`${at}: ${JSON.stringify(value)} is not of type 'integer'`);
    if (type === "string" && typeof value !== "string") return void errors.push(`${at}: ${JSON.stringify(value)} is not of type 'string'`);
    if (schema.enum && !schema.enum.includes(value)) errors.push(`${at}: ${JSON.stringify(value)} is not one of ${JSON.stringify(schema.enum)}`);
    if (typeof value === "number") {
        if (schema.minimum !== undefined && value < schema.minimum) errors.push(`${at}: ${value} is less than the minimum of ${schema.minimum}`);
        if (schema.maximum !== undefined && value > schema.maximum) errors.push(`${at}: ${value} is greater than the maximum of ${schema.maximum}`);
    }
    if (typeof value === "string") {
        if (schema.minLength !== undefined && value.length < schema.minLength) errors.push(`${at}: is too short`);
        if (schema.maxLength !== undefined && value.length > schema.maxLength) errors.push(`${at}: is too long`);
        if (schema.pattern && !new RegExp(schema.pattern).test(value)) errors.push(`${at}: ${schema["x-user-error"] ?? `does not match ${schema.pattern}`}`);
    }
}

/** A request body's fields: JSON objects as they are, anything else (no body, not JSON) as none. */
function fieldsOf(body: unknown): Record<string, unknown> {
    return body !== null && typeof body === "object" && !Array.isArray(body) ? (body as Record<string, unknown>) : {};
}

/** A field as text: strings as given, other JSON values as JSON, absent as `fallback`. */
function textOf(value: unknown, fallback: string): string {
    return value === undefined || value === null ? fallback : typeof value === "string" ? value : JSON.stringify(value);
}

class ApiError extends Error {
    constructor(
        readonly status: number,
        message: string,
        readonly errors: string[] = [message],
    ) {
        super(message);
    }
}

function openssl(dir: string, ...args: string[]): void {
    execFileSync("openssl", args, { cwd: dir, stdio: "pipe" });
}

/** A project CA and a server certificate it signs for 127.0.0.1 (as test/provider/connection.tls.test.ts makes them). */
function makeCertificates(host: string): { ca: string; cert: Buffer; key: Buffer } {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "aiven-standin-ca-"));
    try {
        openssl(dir, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=stand-in project CA", "-keyout", "ca.key", "-out", "ca.crt");
        openssl(dir, "req", "-newkey", "rsa:2048", "-nodes", "-subj", `/CN=${host}`, "-keyout", "server.key", "-out", "server.csr");
        fs.writeFileSync(path.join(dir, "san.ext"), `subjectAltName=IP:${host},DNS:localhost\n`);
        openssl(
            dir,
            "x509",
            "-req",
            "-in",
            "server.csr",
            "-CA",
            "ca.crt",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-days",
            "2",
            "-extfile",
            "san.ext",
            "-out",
            "server.crt",
        );
        return {
            ca: fs.readFileSync(path.join(dir, "ca.crt"), "utf8"),
            cert: fs.readFileSync(path.join(dir, "server.crt")),
            key: fs.readFileSync(path.join(dir, "server.key")),
        };
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

/** The server settings `user_config.pgaudit` maps to (Aiven's build has two this pgaudit lacks: skipped, recorded only). */
function pgauditSettings(block: Record<string, unknown>, known: Set<string>): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [key, value] of Object.entries(block)) {
        if (key === "feature_enabled") continue;
        const name = `pgaudit.${key}`;
        if (!known.has(name)) continue;
        out[name] = Array.isArray(value) ? value.join(",") : typeof value === "boolean" ? (value ? "on" : "off") : String(value);
    }
    return out;
}

export interface StandInOptions {
    /** The Aiven project name the stand-in holds (default "standin-project"). */
    readonly project?: string;
    /** Extra server settings to keep when the cluster restarts with TLS (e.g. log_connections). */
    readonly settings?: Record<string, string>;
}

/**
 * Starts the stand-in on a free port of 127.0.0.1 and makes `cluster` the project's PostgreSQL
 * service: TLS on with a certificate the project CA signs, TCP logins `hostssl` only, a
 * `defaultdb` owned by avnadmin. Restarts the cluster once.
 */
export async function startAivenApi(cluster: TestCluster, opts: StandInOptions = {}): Promise<AivenApiStandIn> {
    const project = opts.project ?? "standin-project";
    const schemas = loadSchemas();
    const tls = makeCertificates(cluster.host);
    // Unix-socket logins stay trusted (the tests' superuser and connectAs); TCP needs TLS and a password.
    const hba = ["local all all trust", `hostssl all all ${cluster.host}/32 scram-sha-256`, ""].join("\n");
    await cluster.restart({
        settings: {
            ...opts.settings,
            ssl: "on",
            ssl_cert_file: cluster.serverFile("standin-server.crt", tls.cert),
            ssl_key_file: cluster.serverFile("standin-server.key", tls.key),
            hba_file: cluster.serverFile("standin-pg_hba.conf", hba, 0o644),
        },
    });
    if ((await cluster.sql(`SELECT 1 FROM pg_database WHERE datname = 'defaultdb'`)).length === 0) {
        await asAdmin(cluster, "postgres", (c) => c.query(`CREATE DATABASE defaultdb`));
    }
    const knownSettings = new Set((await cluster.sql<{ name: string }>(`SELECT name FROM pg_settings WHERE name LIKE 'pgaudit.%'`)).map((r) => r.name));

    const requests: AivenRequest[] = [];
    const services = new Map<string, ServiceRecord>();
    const integrations = new Map<string, IntegrationRecord>();
    const pgUsers = new Map<string, string>(); // username → password
    let nextIntegration = 1;

    const pgService = () => [...services.values()].find((s) => s.service_type === "pg");

    const checkUserConfig = (type: string, config: unknown): Record<string, unknown> => {
        const errors: string[] = [];
        if (config === undefined || config === null) return {};
        if (typeof config !== "object" || Array.isArray(config)) throw new ApiError(400, "Invalid user_config", ["user_config: must be an object"]);
        const c = config as Record<string, unknown>;
        if (type === "pg") {
            if (c.pgaudit !== undefined) validate({ ...schemas.pgaudit, type: "object" }, c.pgaudit, "user_config.pgaudit", errors);
            if (c.pg_version !== undefined) validate(schemas.pgVersion, c.pg_version, "user_config.pg_version", errors);
        }
        if (type === "logs") validate({ ...schemas.logs, type: "object" }, c, "user_config", errors);
        if (errors.length > 0) throw new ApiError(400, `Invalid user_config: ${errors.join("; ")}`, errors);
        return c;
    };

    /** What Aiven's management plane does with the pgaudit block, on the real server. */
    const applyPgaudit = async (config: Record<string, unknown>) => {
        const block = (config.pgaudit ?? {}) as Record<string, unknown>;
        // feature_enabled false: Aiven uninstalls the extension, the service-level settings stop
        // applying, and per-database/role settings are kept (FACTS.md). The library stays loaded
        // here (unloading needs a restart), so per-scope settings still audit: a difference.
        const wanted = block.feature_enabled === true ? pgauditSettings(block, knownSettings) : {};
        const statements: string[] = [];
        for (const name of [...knownSettings].sort()) {
            statements.push(
                name in wanted
                    ? `ALTER SYSTEM SET ${pg.escapeIdentifier(name)} = ${pg.escapeLiteral(wanted[name])}`
                    : `ALTER SYSTEM RESET ${pg.escapeIdentifier(name)}`,
            );
        }
        for (const s of statements) await cluster.sql(s);
        await cluster.sql(`SELECT pg_reload_conf()`);
        await cluster.sql(block.feature_enabled === true ? `CREATE EXTENSION IF NOT EXISTS pgaudit` : `DROP EXTENSION IF EXISTS pgaudit`, [], "defaultdb");
    };

    const host = cluster.host;
    const port = String(cluster.port);
    const admin = cluster.admin;
    const pgUri = `postgres://${admin.user}:${encodeURIComponent(admin.password)}@${host}:${port}/defaultdb?sslmode=require`;

    const serviceJson = (s: ServiceRecord) => {
        const base = {
            service_name: s.service_name,
            service_type: s.service_type,
            plan: s.plan,
            cloud_name: s.cloud_name,
            state: "RUNNING",
            termination_protection: s.termination_protection,
            disk_space_mb: 81920,
            node_count: 1,
            node_states: [],
            create_time: s.create_time,
            update_time: s.create_time,
            user_config: s.user_config,
            service_integrations: [...integrations.values()]
                .filter((i) => i.source_service === s.service_name || i.dest_service === s.service_name)
                .map((i) => ({ ...i, active: true, enabled: true })),
            tech_emails: [],
            maintenance: { dow: "monday", time: "10:00:00", enabled: true, updates: [] },
            metadata: { max_connections: 100 },
            backups: [{ backup_name: "standin-backup", backup_time: s.create_time, data_size: 0 }],
            project_vpc_id: null,
            group_list: ["default"],
            features: {},
        };
        if (s.service_type === "pg") {
            return {
                ...base,
                service_uri: pgUri,
                service_uri_params: { host, port, user: admin.user, password: admin.password, dbname: "defaultdb", sslmode: "require" },
                connection_info: {
                    pg: [pgUri],
                    pg_params: [{ host, port, user: admin.user, password: admin.password, dbname: "defaultdb", sslmode: "require" }],
                    pg_standby: [],
                    pg_syncing: [],
                },
                components: [{ component: "pg", host, port: cluster.port, route: "dynamic", usage: "primary", ssl: true }],
                users: [
                    { username: admin.user, password: admin.password, type: "primary" },
                    ...[...pgUsers].map(([username, password]) => ({ username, password, type: "normal" })),
                ],
                databases: ["defaultdb"],
            };
        }
        // OpenSearch: a record only; its URIs point nowhere.
        const osHost = `${s.service_name}.standin.invalid`;
        const osUri = `https://avnadmin:unused@${osHost}:443`;
        return {
            ...base,
            service_uri: osUri,
            service_uri_params: { host: osHost, port: "443", user: "avnadmin", password: "unused" },
            connection_info: {
                opensearch: [osUri],
                opensearch_username: "avnadmin",
                opensearch_password: "unused",
                opensearch_dashboards_uri: `https://${osHost}:443`,
            },
            components: [
                { component: "opensearch", host: osHost, port: 443, route: "dynamic", usage: "primary", ssl: true },
                { component: "opensearch_dashboards", host: osHost, port: 443, route: "dynamic", usage: "primary", ssl: true },
            ],
            users: [{ username: "avnadmin", password: "unused", type: "primary" }],
        };
    };

    const integrationJson = (i: IntegrationRecord) => ({ ...i, active: true, enabled: true, description: "" });

    const listDatabases = async () =>
        (await cluster.sql<{ datname: string }>(`SELECT datname FROM pg_database WHERE datname NOT IN ('postgres','template0','template1') ORDER BY 1`)).map(
            (r) => ({ database_name: r.datname, lc_collate: "en_US.UTF-8", lc_ctype: "en_US.UTF-8" }),
        );

    const settingsOf = async (where: string, param: string) =>
        (
            await cluster.sql<{ c: string }>(
                `SELECT c FROM pg_db_role_setting s LEFT JOIN pg_roles r ON r.oid = s.setrole LEFT JOIN pg_database d ON d.oid = s.setdatabase,
                    unnest(s.setconfig) c WHERE ${where} = $1 AND c LIKE 'pgaudit.%'`,
                [param],
            )
        ).map((r) => r.c);

    const getService = (name: string) => {
        const s = services.get(name);
        if (!s) throw new ApiError(404, "Service not found");
        return s;
    };

    async function route(method: string, parts: string[], request: unknown): Promise<[number, unknown]> {
        const body = fieldsOf(request);
        // /v1/project …
        if (parts[0] !== "v1" || parts[1] !== "project") throw new ApiError(404, "Not found");
        if (parts.length === 2 && method === "GET") return [200, { projects: [projectJson()] }];
        if (parts[2] !== project) throw new ApiError(404, "Project does not exist");
        const rest = parts.slice(3);
        const r = rest.join("/");
        if (rest.length === 0 && method === "GET") return [200, { project: projectJson() }];
        if (r === "kms/ca" && method === "GET") return [200, { certificate: tls.ca }];
        if (r === "static-ips" && method === "GET") return [200, { static_ips: [] }];
        if (rest[0] === "service-types" && method === "GET") throw new ApiError(404, "Plan not found");
        if (r === "service" && method === "GET") return [200, { services: [...services.values()].map(serviceJson) }];
        if (r === "service" && method === "POST") {
            const type = textOf(body.service_type, "");
            const name = textOf(body.service_name, "");
            if (!["pg", "opensearch"].includes(type)) throw new ApiError(400, `The stand-in serves pg and opensearch services, not ${JSON.stringify(type)}`);
            if (services.has(name)) throw new ApiError(409, "Service name is already in use in this project");
            if (type === "pg" && pgService())
                throw new ApiError(409, `The stand-in has one PostgreSQL (the sandbox cluster), already service ${pgService()!.service_name}`);
            const userConfig = checkUserConfig(type, body.user_config);
            const s: ServiceRecord = {
                service_name: name,
                service_type: type,
                plan: textOf(body.plan, ""),
                cloud_name: textOf(body.cloud ?? body.cloud_name, ""),
                user_config: userConfig,
                tags: {},
                termination_protection: body.termination_protection === true,
                create_time: new Date().toISOString().replace(/\.\d+Z$/, "Z"),
            };
            if (type === "pg") await applyPgaudit(userConfig);
            services.set(name, s);
            return [200, { service: serviceJson(s) }];
        }
        if (rest[0] === "service" && rest[1]) {
            const s = getService(rest[1]);
            const sub = rest.slice(2).join("/");
            if (sub === "" && method === "GET") return [200, { service: serviceJson(s) }];
            if (sub === "" && method === "PUT") {
                if (body.user_config !== undefined) {
                    // Aiven merges the given keys into the config it holds.
                    const merged = checkUserConfig(s.service_type, { ...s.user_config, ...checkUserConfig(s.service_type, body.user_config) });
                    if (s.service_type === "pg") await applyPgaudit(merged);
                    s.user_config = merged;
                }
                if (typeof body.plan === "string") s.plan = body.plan;
                if (typeof body.termination_protection === "boolean") s.termination_protection = body.termination_protection;
                return [200, { service: serviceJson(s) }];
            }
            if (sub === "" && method === "DELETE") {
                services.delete(s.service_name);
                if (s.service_type === "pg") {
                    await applyPgaudit({});
                    pgUsers.clear();
                }
                return [200, {}];
            }
            if (sub === "tags" && method === "GET") return [200, { tags: s.tags }];
            if (sub === "tags" && method === "PUT") {
                s.tags = Object.fromEntries(Object.entries(fieldsOf(body.tags)).map(([k, v]) => [k, String(v)]));
                return [200, { message: "updated" }];
            }
            if (s.service_type === "pg" && sub === "db" && method === "GET") return [200, { databases: await listDatabases() }];
            if (s.service_type === "pg" && sub === "db" && method === "POST") {
                const name = textOf(body.database, "");
                if ((await listDatabases()).some((d) => d.database_name === name)) throw new ApiError(409, "Database already exists");
                await asAdmin(cluster, "postgres", (c) => c.query(`CREATE DATABASE ${pg.escapeIdentifier(name)}`));
                return [200, { message: "created" }];
            }
            if (s.service_type === "pg" && rest[2] === "db" && rest[3] && method === "DELETE") {
                const name = decodeURIComponent(rest[3]);
                const held = await settingsOf("d.datname", name);
                await asAdmin(cluster, "postgres", (c) => c.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`));
                return [200, { message: "deleted", settingsAtDrop: held }];
            }
            if (s.service_type === "pg" && sub === "user" && method === "POST") {
                const username = textOf(body.username, "");
                if (pgUsers.has(username)) throw new ApiError(409, "User already exists");
                const password = randomBytes(12).toString("hex");
                await asAdmin(cluster, "postgres", (c) => c.query(`CREATE ROLE ${pg.escapeIdentifier(username)} LOGIN PASSWORD ${pg.escapeLiteral(password)}`));
                pgUsers.set(username, password);
                return [200, { user: { username, password, type: "normal" } }];
            }
            if (s.service_type === "pg" && rest[2] === "user" && rest[3]) {
                const username = decodeURIComponent(rest[3]);
                if (username === admin.user && method === "GET") return [200, { user: { username, password: admin.password, type: "primary" } }];
                const password = pgUsers.get(username);
                if (password === undefined) throw new ApiError(404, "Service user does not exist");
                if (method === "GET") return [200, { user: { username, password, type: "normal" } }];
                if (method === "PUT") {
                    const next = typeof body.new_password === "string" ? body.new_password : randomBytes(12).toString("hex");
                    await asAdmin(cluster, "postgres", (c) => c.query(`ALTER ROLE ${pg.escapeIdentifier(username)} PASSWORD ${pg.escapeLiteral(next)}`));
                    pgUsers.set(username, next);
                    return [200, { user: { username, password: next, type: "normal" } }];
                }
                if (method === "DELETE") {
                    const held = await settingsOf("r.rolname", username);
                    await asAdmin(cluster, "postgres", (c) => c.query(`DROP ROLE ${pg.escapeIdentifier(username)}`));
                    pgUsers.delete(username);
                    return [200, { message: "deleted", settingsAtDrop: held }];
                }
            }
        }
        if (r === "integration" && method === "POST") {
            const type = textOf(body.integration_type, "");
            if (type !== "logs") throw new ApiError(400, `The stand-in serves logs integrations, not ${JSON.stringify(type)}`);
            getService(String(body.source_service ?? body.source_service_name));
            getService(String(body.dest_service ?? body.dest_service_name));
            const userConfig = checkUserConfig("logs", body.user_config);
            const id = `00000000-0000-4000-8000-${String(nextIntegration++).padStart(12, "0")}`;
            const rec: IntegrationRecord = {
                service_integration_id: id,
                integration_type: type,
                source_service: String(body.source_service ?? body.source_service_name),
                dest_service: String(body.dest_service ?? body.dest_service_name),
                source_project: textOf(body.source_project, project),
                dest_project: textOf(body.dest_project, project),
                user_config: userConfig,
            };
            integrations.set(id, rec);
            return [200, { service_integration: integrationJson(rec) }];
        }
        if (rest[0] === "integration" && rest[1]) {
            const rec = integrations.get(rest[1]);
            if (!rec) throw new ApiError(404, "Service integration not found");
            if (method === "GET") return [200, { service_integration: integrationJson(rec) }];
            if (method === "PUT") {
                rec.user_config = checkUserConfig("logs", body.user_config ?? {});
                return [200, { service_integration: integrationJson(rec) }];
            }
            if (method === "DELETE") {
                integrations.delete(rest[1]);
                return [200, {}];
            }
        }
        throw new ApiError(404, `The stand-in does not serve ${method} /${parts.join("/")}`);
    }

    const projectJson = () => ({
        project_name: project,
        account_id: "a-standin",
        account_name: "stand-in account",
        default_cloud: "google-europe-west1",
        billing_group_id: "b-standin",
        billing_group_name: "stand-in billing",
        ca_cert: tls.ca,
        estimated_balance: "0.00",
        available_credits: "0.00",
        payment_method: "no_payment_expected",
        tech_emails: [],
        tags: {},
        features: {},
        vpc_peering_connection_count: 0,
        organization_id: "org-standin",
    });

    const server = http.createServer((req, res) => {
        const url = new URL(req.url ?? "/", "http://stand-in");
        let raw = "";
        req.setEncoding("utf8");
        req.on("data", (d: string) => (raw += d));
        req.on("end", () => {
            let body: unknown;
            try {
                body = raw ? JSON.parse(raw) : undefined;
            } catch {
                body = raw;
            }
            const parts = url.pathname.split("/").filter(Boolean).map(decodeURIComponent);
            route(req.method ?? "GET", parts, body).then(
                ([status, payload]) => {
                    const { settingsAtDrop, ...rest } = payload as { settingsAtDrop?: string[] };
                    requests.push({ method: req.method ?? "GET", path: url.pathname, body, status, ...(settingsAtDrop ? { settingsAtDrop } : {}) });
                    res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(rest));
                },
                (err: unknown) => {
                    const e = err instanceof ApiError ? err : new ApiError(500, err instanceof Error ? err.message : String(err));
                    requests.push({ method: req.method ?? "GET", path: url.pathname, body, status: e.status });
                    res.writeHead(e.status, { "content-type": "application/json" }).end(
                        JSON.stringify({ message: e.message, errors: e.errors.map((m) => ({ message: m, status: e.status })) }),
                    );
                },
            );
        });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;

    return {
        url,
        project,
        caCert: tls.ca,
        requests,
        services,
        integrations,
        serviceCalls: () => requests.filter((r) => /\/(service|integration)(\/|$)/.test(r.path)),
        clearRequests: () => void requests.splice(0),
        async setUserConfig(serviceName, userConfig) {
            const s = getService(serviceName);
            const merged = checkUserConfig(s.service_type, { ...s.user_config, ...userConfig });
            if (s.service_type === "pg") await applyPgaudit(merged);
            s.user_config = merged;
        },
        env: () => ({ AIVEN_WEB_URL: url, AIVEN_TOKEN: "stand-in-token" }),
        stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
    };
}

/** Runs as avnadmin over the unix socket (trusted there), so what it creates is avnadmin's, as on Aiven. */
async function asAdmin<T>(cluster: TestCluster, database: string, work: (c: pg.Client) => Promise<T>): Promise<T> {
    const client = await cluster.connectAs(cluster.admin.user, database, "aiven-standin");
    try {
        return await work(client);
    } finally {
        await client.end();
    }
}
