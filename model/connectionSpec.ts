/**
 * How the provider reaches PostgreSQL: a URI or an object, validated and resolved to one form.
 * Nothing here opens a connection, and no message repeats the value it rejects (a URI carries the
 * password).
 */
import { z } from "zod";
import { sameJson } from "./sameJson";

/** libpq's sslmode values that node-postgres can honour; `allow`/`prefer` would need a plaintext fallback. */
const SSL_MODES = ["disable", "require", "verify-ca", "verify-full"] as const;

const DEFAULT_PORT = 5432;

const connectionObjectSchema = z.strictObject({
    /** Host name or IP address of the server. */
    host: z
        .string({ error: 'the server\'s host name is required, e.g. "my-pg-myproject.aivencloud.com"' })
        .min(1, "must not be empty; give the server's host name"),
    /** TCP port (Aiven services use a high port, not 5432). */
    port: z.coerce
        .number({ error: "must be a TCP port number" })
        .int("must be a whole number")
        .min(1, "must be a TCP port from 1 to 65535")
        .max(65535, "must be a TCP port from 1 to 65535")
        .default(DEFAULT_PORT),
    /** The role to connect as: avnadmin on Aiven. */
    user: z.string({ error: 'the role to connect as is required, e.g. "avnadmin"' }).min(1, "must not be empty; give the role to connect as"),
    /** The role's password; kept secret. */
    password: z.string({ error: "must be a string" }).optional(),
    /** The database to connect to; settings of other databases are reached from it. */
    database: z.string({ error: 'must be a database name, e.g. "defaultdb"' }).min(1, 'must not be empty; e.g. "defaultdb"').default("defaultdb"),
    /** TLS mode as libpq names it. Default: verify-full when caCert is given, else require. */
    sslMode: z
        .string({ error: `must be one of ${SSL_MODES.join(", ")}` })
        .refine((m) => m !== "allow" && m !== "prefer", 'node-postgres cannot fall back to plaintext; use "require" (or "disable" where the server has no TLS)')
        .refine((m) => m === "allow" || m === "prefer" || (SSL_MODES as readonly string[]).includes(m), `must be one of ${SSL_MODES.join(", ")}`)
        .optional(),
    /** PEM of the CA that signed the server's certificate (Aiven: the project CA). */
    caCert: z.string({ error: "must be the PEM text of the CA certificate" }).optional(),
});

/** How long a resource keeps retrying a server that is still starting, in seconds. */
export const connectDeadlineSchema = z
    .number({ error: "must be a number of seconds" })
    .positive("must be more than 0 seconds")
    .max(3600, "must be at most 3600 seconds")
    .default(60);

/** The keys of the object form, as messages list them. */
export const CONNECTION_KEYS: readonly string[] = Object.keys(connectionObjectSchema.shape);

type ConnectionObjectInput = z.input<typeof connectionObjectSchema>;
/** A connection as users write it: `postgresql://user:pw@host:port/db?sslmode=…` or an object. */
export type ConnectionInput = string | ConnectionObjectInput;

/** The resolved connection kept in state (secret there) and used to connect. */
export interface ResolvedConnection {
    readonly host: string;
    readonly port: number;
    readonly user: string;
    readonly password?: string;
    readonly database: string;
    readonly sslMode: (typeof SSL_MODES)[number];
    readonly caCert?: string;
}

/** libpq's connection keywords: an unknown query parameter is named only if it is one of these (else it may be a mistyped secret). */
const LIBPQ_KEYWORDS = new Set([
    "host",
    "hostaddr",
    "port",
    "dbname",
    "user",
    "password",
    "passfile",
    "channel_binding",
    "connect_timeout",
    "client_encoding",
    "options",
    "application_name",
    "fallback_application_name",
    "keepalives",
    "keepalives_idle",
    "keepalives_interval",
    "keepalives_count",
    "tcp_user_timeout",
    "replication",
    "gssencmode",
    "sslmode",
    "sslnegotiation",
    "sslcompression",
    "sslcert",
    "sslkey",
    "sslpassword",
    "sslcertmode",
    "sslrootcert",
    "sslcrl",
    "sslcrldir",
    "sslsni",
    "requirepeer",
    "ssl_min_protocol_version",
    "ssl_max_protocol_version",
    "krbsrvname",
    "gsslib",
    "gssdelegation",
    "service",
    "target_session_attrs",
    "load_balance_hosts",
    "require_auth",
]);

/** libpq's percent-decoding (conninfo_uri_decode): %XX only, no `+` for space, %00 refused; UTF-8 text. */
function percentDecode(text: string): string | undefined {
    const bytes: number[] = [];
    const raw = Buffer.from(text, "utf8");
    for (let i = 0; i < raw.length; i++) {
        if (raw[i] !== 0x25) {
            bytes.push(raw[i]);
            continue;
        }
        const hex = raw.subarray(i + 1, i + 3).toString("latin1");
        if (!/^[0-9A-Fa-f]{2}$/.test(hex) || hex === "00") return undefined;
        bytes.push(parseInt(hex, 16));
        i += 2;
    }
    try {
        return new TextDecoder("utf-8", { fatal: true }).decode(Uint8Array.from(bytes));
    } catch {
        return undefined;
    }
}

const BAD_ENCODING = { error: "has a badly percent-encoded part; encode special characters of the user, password or database with %XX" };

/**
 * Turns a PostgreSQL URI into the object form, splitting it as libpq does
 * (`conninfo_uri_parse_options`): the user information runs to the first `@` before any `/`, so a
 * password may hold `?`, `#` or `:` unencoded (only `@` and `/` need %XX). A WHATWG URL would end
 * the authority at `?` and hand the rest of the password to the query. Unknown query parameters are
 * refused rather than ignored, so that a setting the user relies on (say `sslrootcert`) is not
 * silently dropped. No error repeats any part of the URI but a known keyword.
 */
export function parseConnectionUri(uri: string): Record<string, unknown> | { error: string } {
    const scheme = /^(postgresql|postgres):\/\//.exec(uri);
    if (!scheme) {
        return /^[A-Za-z][-+.A-Za-z0-9]*:\/\//.test(uri)
            ? { error: "must start with postgresql:// or postgres://" }
            : { error: "is not a valid URI; expected postgresql://user:password@host:port/database?sslmode=require (percent-encode @ and / in the password)" };
    }
    let rest = uri.slice(scheme[0].length);
    const out: Record<string, unknown> = {};
    const end = rest.search(/[@/]/);
    if (end >= 0 && rest[end] === "@") {
        const userinfo = rest.slice(0, end);
        rest = rest.slice(end + 1);
        const colon = userinfo.indexOf(":");
        const user = percentDecode(colon < 0 ? userinfo : userinfo.slice(0, colon));
        const password = colon < 0 ? "" : percentDecode(userinfo.slice(colon + 1));
        if (user === undefined || password === undefined) return BAD_ENCODING;
        if (user !== "") out.user = user;
        if (password !== "") out.password = password;
    }
    let host: string;
    if (rest.startsWith("[")) {
        const close = rest.indexOf("]");
        if (close < 0) return { error: "has an IPv6 host without its closing ]" };
        host = rest.slice(1, close);
        rest = rest.slice(close + 1);
    } else {
        const stop = rest.search(/[:/?,]/);
        host = stop < 0 ? rest : rest.slice(0, stop);
        rest = stop < 0 ? "" : rest.slice(stop);
    }
    if (rest.startsWith(",")) return { error: "names several hosts; give one host (node-postgres connects to one)" };
    const decodedHost = percentDecode(host);
    if (decodedHost === undefined) return BAD_ENCODING;
    if (decodedHost !== "") out.host = decodedHost;
    if (rest.startsWith(":")) {
        const stop = rest.search(/[/?]/);
        const port = stop < 0 ? rest.slice(1) : rest.slice(1, stop);
        rest = stop < 0 ? "" : rest.slice(stop);
        if (!/^\d{1,5}$/.test(port)) return { error: "has a port that is not a number from 1 to 65535 (a password holding / or @ must be percent-encoded)" };
        out.port = Number(port);
    }
    if (rest.startsWith("/")) {
        const stop = rest.indexOf("?");
        const database = percentDecode(stop < 0 ? rest.slice(1) : rest.slice(1, stop));
        rest = stop < 0 ? "" : rest.slice(stop);
        if (database === undefined) return BAD_ENCODING;
        if (database !== "") out.database = database;
    }
    if (rest.startsWith("?")) {
        for (const pair of rest.slice(1).split("&")) {
            if (pair === "") continue;
            const eq = pair.indexOf("=");
            const key = percentDecode(eq < 0 ? pair : pair.slice(0, eq));
            const value = eq < 0 ? undefined : percentDecode(pair.slice(eq + 1));
            if (key === "sslmode" && value !== undefined) out.sslMode = value;
            else if (key !== undefined && LIBPQ_KEYWORDS.has(key))
                return {
                    error: `has the query parameter "${key}", which is not supported; only sslmode is (give a CA certificate as caCert in the object form)`,
                };
            else return { error: "has a query parameter that is not a libpq keyword (not shown: it may hold a secret); only sslmode is supported" };
        }
    } else if (rest !== "") {
        return { error: "is not a valid URI; expected postgresql://user:password@host:port/database?sslmode=require (percent-encode @ and / in the password)" };
    }
    return out;
}

/**
 * The caCert PgAuditLogging passes at `pulumi preview` instead of the project CA: the CA is read
 * with aiven.getProject, which sleeps 10 s in the Aiven provider, and a preview never connects.
 * Diffs compare the rest of the connection when the new one holds this (a CA rotation shows at
 * the `pulumi up` that reads it); a session refuses it.
 */
export const PROJECT_CA_AT_UP = "pulumi-aiven-pgaudit: the Aiven project CA, read at pulumi up (not at preview)";

/** Same connection, where a new one holding PROJECT_CA_AT_UP matches any old caCert. */
export function sameConnection(olds: unknown, news: unknown): boolean {
    const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);
    if (isObject(olds) && isObject(news) && news.caCert === PROJECT_CA_AT_UP && typeof olds.caCert === "string") {
        const { caCert: _old, ...a } = olds;
        const { caCert: _new, ...b } = news;
        return sameJson(a, b);
    }
    return sameJson(olds, news);
}

/** Resolves defaults that depend on other fields, or says which field is wrong. */
function resolveConnection(c: z.output<typeof connectionObjectSchema>): ResolvedConnection | { property: string; error: string } {
    const sslMode = (c.sslMode ?? (c.caCert ? "verify-full" : "require")) as ResolvedConnection["sslMode"];
    if (sslMode === "verify-ca" && !c.caCert) {
        return {
            property: "caCert",
            error: "is required with sslMode verify-ca: give the PEM of the CA that signed the server certificate (Aiven: aiven.getProject().caCert)",
        };
    }
    if (sslMode === "disable" && c.caCert) {
        return { property: "sslMode", error: "is disable but a caCert is given: remove sslMode to verify TLS with it, or remove caCert" };
    }
    return {
        host: c.host,
        port: c.port,
        user: c.user,
        database: c.database,
        sslMode,
        ...(c.password !== undefined ? { password: c.password } : {}),
        ...(c.caCert !== undefined ? { caCert: c.caCert } : {}),
    };
}

/** The connection field: either form in, the resolved object out. */
export const connectionSchema = z
    .preprocess((value, ctx) => {
        if (typeof value !== "string") return value;
        const parsed = parseConnectionUri(value);
        if ("error" in parsed && typeof parsed.error === "string") {
            ctx.addIssue({ code: "custom", message: parsed.error });
            return z.NEVER;
        }
        return parsed;
    }, connectionObjectSchema)
    .transform((c, ctx) => {
        const resolved = resolveConnection(c);
        if ("error" in resolved) {
            ctx.addIssue({ code: "custom", message: resolved.error, path: [resolved.property] });
            return z.NEVER;
        }
        return resolved;
    });

/** A short, password-free description of where a connection goes, for messages. */
export function describeConnection(c: ResolvedConnection): string {
    return `${c.user}@${c.host}:${c.port}/${c.database}`;
}
