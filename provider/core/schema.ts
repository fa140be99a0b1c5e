/**
 * The inputs of a PgAuditSetting, as zod schemas: the one source of their types and of the
 * messages `pulumi preview` shows for bad input. Validation never touches a database.
 */
import { z } from "zod";
import { connectionSchema } from "./connectionSpec";
import { parsePgAuditLogToken, splitPgAuditLog } from "./pgauditLog";
import { PGAUDIT_LOG_LEVELS, SETTING_KEYS } from "./settings";
import { ownerIdSchema, ownerLabelSchema } from "./ownership";

const INT_MAX = 2147483647;
/** PostgreSQL keeps 63 bytes of a name (NAMEDATALEN - 1) and would cut a longer one silently. */
const NAME_MAX_BYTES = 63;

/** A database or role name, exactly as PostgreSQL stores it (case and quotes included). */
export const pgNameSchema = z
    .string({ error: "must be a name (a string)" })
    .min(1, "must not be empty")
    .refine(
        (s) => Buffer.byteLength(s, "utf8") <= NAME_MAX_BYTES,
        `is longer than PostgreSQL's ${NAME_MAX_BYTES}-byte name limit; PostgreSQL would cut it and address another object`,
    )
    .refine((s) => !s.includes("\0"), "must not contain a NUL character");

/**
 * pgaudit.log: a list of class tokens (or one comma string); order is kept, since pgaudit reads
 * it left to right. The result is the normalized list.
 */
export const pgAuditLogSchema = z
    .union([z.array(z.unknown()), z.string()], {
        error: `must be a list of pgaudit classes (e.g. ["ddl", "role"]) or one comma string ("ddl,role")`,
    })
    .transform((value, ctx) => {
        const items = typeof value === "string" ? splitPgAuditLog(value) : value;
        const normalized: string[] = [];
        items.forEach((item, index) => {
            if (typeof item !== "string") {
                ctx.addIssue({ code: "custom", message: "must be a pgaudit class name (a string)", path: [index] });
                return;
            }
            const token = parsePgAuditLogToken(item);
            if ("error" in token) {
                ctx.addIssue({ code: "custom", message: token.error, path: typeof value === "string" ? [] : [index] });
            } else {
                normalized.push((token.exclude ? "-" : "") + token.cls);
            }
        });
        return normalized;
    });

const bool = (fix: string) => z.boolean({ error: `must be true or false; ${fix}` });

/** Every setting optional; the state schema accepts a scope whose entries were all reset by hand. */
const settingsObjectSchema = z.strictObject({
    /** Classes of statements session audit logs. Order matters: `["all", "-misc"]`. */
    log: pgAuditLogSchema.optional(),
    /** Log statements whose relations are all in pg_catalog (psql's \d, for example). */
    logCatalog: bool("false keeps catalog queries out of the audit log").optional(),
    /** Also send audit messages to the client (psql). */
    logClient: bool("true shows audit lines to the client too").optional(),
    /** The log level of audit lines; must be a level the server logs. */
    logLevel: z
        .string({ error: `must be one of ${PGAUDIT_LOG_LEVELS.join(", ")}` })
        .transform((s) => s.trim().toLowerCase())
        .refine(
            (s) => (PGAUDIT_LOG_LEVELS as readonly string[]).includes(s),
            `must be one of ${PGAUDIT_LOG_LEVELS.join(", ")} (pgaudit refuses error, fatal and panic)`,
        )
        .optional(),
    /** Include the statement's parameters. */
    logParameter: bool("true logs bind parameters").optional(),
    /** Parameters longer than this many bytes are replaced (pgaudit 16+); 0 keeps them all. */
    logParameterMaxSize: z
        .number({ error: "must be a number of bytes" })
        .int("must be a whole number of bytes")
        .min(0, "must be 0 (no limit) or more")
        .max(INT_MAX, `must be at most ${INT_MAX}`)
        .optional(),
    /** One audit line per relation of a SELECT or DML statement. */
    logRelation: bool("true logs one line per relation").optional(),
    /** Include the number of rows read or affected. */
    logRows: bool("true logs row counts").optional(),
    /** Include the statement text. */
    logStatement: bool("false leaves statement text out").optional(),
    /** Statement text only on the first line of a statement. */
    logStatementOnce: bool("true logs statement text once per statement").optional(),
    /** Crop statements and parameters longer than this; -1 disables cropping (Aiven's build). */
    logMaxStringLength: z
        .number({ error: "must be a number of characters" })
        .int("must be a whole number")
        .min(-1, "must be -1 (no cropping) or more")
        .max(102400, "must be at most 102400 (Aiven's limit)")
        .optional(),
    /** Log statements nested in another statement's execution (Aiven's build). */
    logNestedStatements: bool("false skips nested statements").optional(),
    /** The master role for object audit logging. */
    role: pgNameSchema.optional(),
});

/** The zod schema of a scope's pgaudit settings. */
export const settingsSchema = settingsObjectSchema.refine((s) => SETTING_KEYS.some((k) => s[k] !== undefined), {
    message: `declare at least one pgaudit setting, e.g. { log: ["ddl", "role"] }; to remove all settings of a scope, delete the resource`,
});

const inputsShape = {
    /** Where the settings live: a PostgreSQL URI or connection object. Secret. */
    connection: connectionSchema,
    /** The database scope: with `role`, the role-in-database scope. */
    database: pgNameSchema.optional(),
    /** The role scope: with `database`, the role-in-database scope. */
    role: pgNameSchema.optional(),
    /** The pgaudit settings of the scope. Keys not declared are reset at the scope. */
    settings: settingsSchema,
    /** Take over pgaudit settings that already exist at the scope instead of failing. */
    adopt: z.boolean({ error: "must be true or false" }).default(false),
    /** How long to keep retrying a server that is still starting, in seconds. */
    connectDeadlineSeconds: z
        .number({ error: "must be a number of seconds" })
        .positive("must be more than 0 seconds")
        .max(3600, "must be at most 3600 seconds")
        .default(60),
    /** Which stack and resource this is, for the owner record (set by the resource class). */
    owner: ownerLabelSchema.optional(),
};

/** The zod schema of PgAuditSetting's inputs, the one source of check's messages. */
export const pgAuditSettingInputsSchema = z.strictObject(inputsShape).refine((i) => i.database !== undefined || i.role !== undefined, {
    message: "set database, role, or both (role in database) to say which scope the settings apply to",
    path: ["database"],
});

/** A resource's state: its inputs plus outputs (which are dropped), settings as last found. */
export const pgAuditSettingStateSchema = z.object({ ...inputsShape, settings: settingsObjectSchema, ownerId: ownerIdSchema.optional() });
/** PgAuditSetting's state: inputs plus the owner id create gave it (absent in state older than owner records). */
export type PgAuditSettingState = z.output<typeof pgAuditSettingStateSchema>;

/** A scope's pgaudit settings as written (camelCase: log, logCatalog, …). */
export type PgAuditSettingsInput = z.input<typeof settingsSchema>;
/** A scope's pgaudit settings, checked and normalized. */
export type PgAuditSettings = z.output<typeof settingsSchema>;
/** PgAuditSetting's inputs, checked. */
export type PgAuditSettingInputs = z.output<typeof pgAuditSettingInputsSchema>;

/** A check failure as Pulumi shows it at preview. */
export interface InputFailure {
    readonly property: string;
    readonly reason: string;
}

const KNOWN_KEYS: Record<string, readonly string[]> = {
    "": ["connection", "database", "role", "settings", "adopt", "connectDeadlineSeconds", "owner"],
    settings: SETTING_KEYS,
    connection: ["host", "port", "user", "password", "database", "sslMode", "caCert"],
};

/** `settings.log[1]` from zod's path. */
export function propertyPath(path: readonly PropertyKey[]): string {
    return path.reduce<string>((acc, part) => (typeof part === "number" ? `${acc}[${part}]` : acc ? `${acc}.${String(part)}` : String(part)), "");
}

/** Turns zod issues into failures that name the property and say the fix, never the value. */
export function toInputFailures(error: z.ZodError): InputFailure[] {
    const failures: InputFailure[] = [];
    for (const issue of error.issues) {
        const at = propertyPath(issue.path);
        if (issue.code === "unrecognized_keys") {
            const known = KNOWN_KEYS[at] ?? [];
            for (const key of issue.keys) {
                failures.push({ property: at ? `${at}.${key}` : key, reason: `is not a known property; expected one of ${known.join(", ")}` });
            }
        } else if (issue.code === "invalid_type" && issue.path.length === 1 && issue.path[0] === "connection") {
            failures.push({
                property: at,
                reason: "is required: a PostgreSQL URI (postgresql://user:password@host:port/db?sslmode=require) or { host, port, user, password, database, sslMode, caCert }",
            });
        } else if (issue.code === "invalid_type" && at === "settings") {
            failures.push({ property: at, reason: `is required: an object of pgaudit settings, e.g. { log: ["ddl", "role"] }` });
        } else {
            failures.push({ property: at, reason: issue.message });
        }
    }
    return failures;
}
