/**
 * How the provider reaches PostgreSQL: a URI or an object, validated and resolved to one form.
 * Nothing here opens a connection, and no message repeats the value it rejects (a URI carries the
 * password).
 */
import { z } from "zod";

/** libpq's sslmode values that node-postgres can honour; `allow`/`prefer` would need a plaintext fallback. */
export const SSL_MODES = ["disable", "require", "verify-ca", "verify-full"] as const;

const DEFAULT_PORT = 5432;

export const connectionObjectSchema = z.strictObject({
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

export type ConnectionObjectInput = z.input<typeof connectionObjectSchema>;
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

/**
 * Turns a PostgreSQL URI into the object form. Unknown query parameters are refused rather than
 * ignored, so that a setting the user relies on (say `sslrootcert`) is not silently dropped.
 */
export function parseConnectionUri(uri: string): Record<string, unknown> | { error: string } {
    let url: URL;
    try {
        url = new URL(uri);
    } catch {
        return {
            error: "is not a valid URI; expected postgresql://user:password@host:port/database?sslmode=require (percent-encode special characters in the password)",
        };
    }
    if (url.protocol !== "postgresql:" && url.protocol !== "postgres:") {
        return { error: "must start with postgresql:// or postgres://" };
    }
    const out: Record<string, unknown> = {};
    try {
        out.host = decodeURIComponent(url.hostname).replace(/^\[(.*)\]$/, "$1");
        if (url.username) out.user = decodeURIComponent(url.username);
        if (url.password) out.password = decodeURIComponent(url.password);
        const database = decodeURIComponent(url.pathname.replace(/^\//, ""));
        if (database) out.database = database;
    } catch {
        return { error: "has a badly percent-encoded part; encode special characters of the user, password or database with %XX" };
    }
    if (url.port) out.port = Number(url.port);
    for (const [param, value] of url.searchParams) {
        if (param === "sslmode") out.sslMode = value;
        else
            return {
                error: `has the query parameter "${param}", which is not supported; only sslmode is (give a CA certificate as caCert in the object form)`,
            };
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
        return canonical(a) === canonical(b);
    }
    return canonical(olds) === canonical(news);
}

/** JSON with object keys sorted (dynamicInputs.sameJson's rule; not imported: it would close an import cycle). */
function canonical(v: unknown): string {
    const sorted = (x: unknown): unknown =>
        Array.isArray(x)
            ? x.map(sorted)
            : x !== null && typeof x === "object"
              ? Object.fromEntries(
                    Object.keys(x)
                        .sort()
                        .map((k) => [k, sorted((x as Record<string, unknown>)[k])]),
                )
              : x;
    return JSON.stringify(sorted(v));
}

/** Resolves defaults that depend on other fields, or says which field is wrong. */
export function resolveConnection(c: z.output<typeof connectionObjectSchema>): ResolvedConnection | { property: string; error: string } {
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
