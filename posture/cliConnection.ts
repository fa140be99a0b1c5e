/**
 * Where the CLI connects: `--connection URI`, or libpq's PG* environment variables. A password
 * missing from the URI is taken from PGPASSWORD (as libpq does), so it need not appear on a
 * command line. No message repeats a value: a URI carries the password.
 */
import { connectionSchema, parseConnectionUri, type ResolvedConnection } from "../model/connectionSpec";
import { propertyPath } from "../model/inputFailures";

export type Environment = Readonly<Record<string, string | undefined>>;

/** The environment variable behind each connection property, for messages. */
const ENV_NAMES: Record<string, string> = {
    host: "PGHOST",
    port: "PGPORT",
    user: "PGUSER",
    password: "PGPASSWORD",
    database: "PGDATABASE",
    sslMode: "PGSSLMODE",
    caCert: "PGSSLROOTCERT",
};

const nonEmpty = (value: string | undefined) => (value === undefined || value === "" ? undefined : value);

function fromEnvironment(env: Environment): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    const set = (key: string, value: string | undefined) => {
        if (nonEmpty(value) !== undefined) out[key] = value;
    };
    set("host", env.PGHOST);
    set("port", env.PGPORT);
    set("user", env.PGUSER);
    set("password", env.PGPASSWORD);
    set("database", env.PGDATABASE);
    set("sslMode", env.PGSSLMODE);
    return out;
}

/**
 * Resolves the connection, or says what to fix. `readFile` reads PGSSLROOTCERT (the CA's PEM;
 * on Aiven, the project CA), which also makes TLS verify the server by default.
 */
export function resolveCliConnection(
    uri: string | undefined,
    env: Environment,
    readFile: (path: string) => string,
): { connection: ResolvedConnection } | { error: string } {
    let fields: Record<string, unknown>;
    if (uri !== undefined) {
        const parsed = parseConnectionUri(uri);
        if ("error" in parsed && typeof parsed.error === "string") return { error: `--connection ${parsed.error}` };
        fields = { ...parsed };
        if (fields.password === undefined && nonEmpty(env.PGPASSWORD) !== undefined) fields.password = env.PGPASSWORD;
    } else {
        fields = fromEnvironment(env);
        if (fields.host === undefined) {
            return {
                error: "no server to read: give --connection postgresql://user@host:port/db?sslmode=require, or set PGHOST, PGPORT, PGUSER, PGPASSWORD (and PGDATABASE, PGSSLMODE)",
            };
        }
    }
    const caPath = nonEmpty(env.PGSSLROOTCERT);
    if (caPath !== undefined) {
        try {
            fields.caCert = readFile(caPath);
        } catch (err) {
            return { error: `cannot read the CA certificate named by PGSSLROOTCERT: ${(err as NodeJS.ErrnoException).code ?? "unreadable"}` };
        }
    }
    const parsed = connectionSchema.safeParse(fields);
    if (!parsed.success) {
        const reasons = parsed.error.issues.map((issue) => {
            const property = propertyPath(issue.path);
            const where = uri !== undefined ? `--connection ${property || "URI"}` : (ENV_NAMES[property] ?? property ?? "connection");
            return `${where}: ${issue.message}`;
        });
        return { error: reasons.join("; ") };
    }
    return { connection: parsed.data };
}
