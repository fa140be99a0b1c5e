/**
 * A scope's pgaudit settings as zod schemas, the one source of their types and of the messages
 * `pulumi preview` shows for bad input, and the field rules the service-level block shares
 * (components/auditConfig.ts). Validation never touches a database.
 */
import { z } from "zod";
import { parsePgAuditLogToken, splitPgAuditLog } from "./pgauditLog";
import { PGAUDIT_LOG_LEVELS, SETTING_KEYS } from "./settings";

/** PostgreSQL's int4 maximum: the ceiling of every integer GUC pgaudit defines. */
const INT_MAX = 2147483647;
/** PostgreSQL keeps 63 bytes of a name (NAMEDATALEN - 1) and would cut a longer one silently. */
export const NAME_MAX_BYTES = 63;

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
const pgAuditLogSchema = z
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

/**
 * The rules of the settings a scope and the service-level block (components/auditConfig.ts) both
 * take, under their camelCase names. Each is required here; the objects make them optional.
 */
export const SHARED_SETTING_FIELDS = {
    logCatalog: bool("false keeps catalog queries out of the audit log"),
    logClient: bool("true shows audit lines to the client too"),
    logParameter: bool("true logs bind parameters"),
    logParameterMaxSize: z
        .number({ error: "must be a number of bytes" })
        .int("must be a whole number of bytes")
        .min(0, "must be 0 (no limit) or more; pgaudit refuses negative sizes")
        .max(INT_MAX, `must be at most ${INT_MAX}`),
    logRelation: bool("true logs one line per relation"),
    logRows: bool("true logs row counts"),
    logStatement: bool("false leaves statement text out"),
    logStatementOnce: bool("true logs statement text once per statement"),
    logMaxStringLength: z
        .number({ error: "must be a number of characters, or -1 for no cropping" })
        .int("must be a whole number of characters")
        .min(-1, "must be -1 (no cropping) or more")
        .max(102400, "must be at most 102400 (Aiven's limit)"),
    logNestedStatements: bool("false skips nested statements"),
} as const;

const f = SHARED_SETTING_FIELDS;

/** Every setting optional; the state schema accepts a scope whose entries were all reset by hand. */
export const settingsObjectSchema = z.strictObject({
    /** Classes of statements session audit logs. Order matters: `["all", "-misc"]`. */
    log: pgAuditLogSchema.optional(),
    /** Log statements whose relations are all in pg_catalog (psql's \d, for example). */
    logCatalog: f.logCatalog.optional(),
    /** Also send audit messages to the client (psql). */
    logClient: f.logClient.optional(),
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
    logParameter: f.logParameter.optional(),
    /** Parameters longer than this many bytes are replaced (pgaudit 16+); 0 keeps them all. */
    logParameterMaxSize: f.logParameterMaxSize.optional(),
    /** One audit line per relation of a SELECT or DML statement. */
    logRelation: f.logRelation.optional(),
    /** Include the number of rows read or affected. */
    logRows: f.logRows.optional(),
    /** Include the statement text. */
    logStatement: f.logStatement.optional(),
    /** Statement text only on the first line of a statement. */
    logStatementOnce: f.logStatementOnce.optional(),
    /** Crop statements and parameters longer than this; -1 disables cropping (Aiven's build). */
    logMaxStringLength: f.logMaxStringLength.optional(),
    /** Log statements nested in another statement's execution (Aiven's build). */
    logNestedStatements: f.logNestedStatements.optional(),
    /** The master role for object audit logging. */
    role: pgNameSchema.optional(),
});

/** The zod schema of a scope's pgaudit settings. */
export const settingsSchema = settingsObjectSchema.refine((s) => SETTING_KEYS.some((k) => s[k] !== undefined), {
    message: `declare at least one pgaudit setting, e.g. { log: ["ddl", "role"] }; to remove all settings of a scope, delete the resource`,
});

/** A scope's pgaudit settings as written (camelCase: log, logCatalog, …). */
export type PgAuditSettingsInput = z.input<typeof settingsSchema>;
/** A scope's pgaudit settings, checked and normalized. */
export type PgAuditSettings = z.output<typeof settingsSchema>;
