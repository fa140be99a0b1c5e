/**
 * The service-level pgaudit block of an Aiven for PostgreSQL service (`pgUserConfig.pgaudit`),
 * checked rule for rule against Aiven's own schema (shared/aiven-schema/pg-pgaudit.json, from
 * aiven/go-api-schemas) under @pulumi/aiven's camelCase names. Aiven would refuse what fails here,
 * but only at `pulumi up`, after a long service update has started.
 *
 * Where Aiven accepts a value the layers below it refuse, we are stricter and say why below.
 */
import { z } from "zod";
import { NAME_MAX_BYTES, SHARED_SETTING_FIELDS as f } from "./settingsSchema";
import { PgAuditInputError } from "./errors";
import { describeIssues, type KeyHelp } from "./inputFailures";

/** Aiven's enum for `log`: lowercase, without pgaudit's `none` and without `-class` exclusions. */
const AIVEN_PGAUDIT_CLASSES = ["all", "ddl", "function", "misc", "misc_set", "read", "role", "write"] as const;
/** Aiven's enum for `log_level`. */
const AIVEN_PGAUDIT_LOG_LEVELS = ["debug1", "debug2", "debug3", "debug4", "debug5", "info", "log", "notice", "warning"] as const;
/** Aiven's `role` pattern, as written in its schema. */
const AIVEN_ROLE_PATTERN = /^[_A-Za-z0-9][-._A-Za-z0-9]{0,63}$/;
/** PgAuditLogging turns pgaudit on unless told otherwise; Aiven's own default is off. */
export const DEFAULT_FEATURE_ENABLED = true;

/** Says what is wrong with one item of `logs`, in the terms of the likely mistake. */
function explainClass(input: unknown): string {
    if (typeof input !== "string") return `must be a pgaudit class name (a string): one of ${AIVEN_PGAUDIT_CLASSES.join(", ")}`;
    const text = JSON.stringify(input);
    const lower = input.trim().toLowerCase();
    if ((AIVEN_PGAUDIT_CLASSES as readonly string[]).includes(lower)) {
        return `${text}: Aiven accepts class names in lowercase only; write "${lower}"`;
    }
    if (lower === "none") {
        return `Aiven has no "none" class; to log no class, leave logs empty ([]) or unset`;
    }
    if (lower.startsWith("-")) {
        return (
            `${text}: Aiven's list cannot exclude classes; list the classes to log instead (e.g. ["read", "write", "ddl"]), ` +
            `or put the exclusion in databases/roles settings, whose log accepts "-class"`
        );
    }
    return `${text} is not a pgaudit class Aiven accepts; expected one of ${AIVEN_PGAUDIT_CLASSES.join(", ")}`;
}

/**
 * `pgUserConfig.pgaudit` as @pulumi/aiven names it. Every key is optional, as in Aiven's schema;
 * `featureEnabled` defaults to true in PgAuditLogging (see {@link aivenPgauditBlock}).
 */
export const pgAuditConfigSchema = z.strictObject({
    /** Install pgaudit on the service (true) or uninstall it, keeping per-scope settings (false). */
    featureEnabled: z.boolean({ error: "must be true or false; true installs pgaudit on the service, false uninstalls it" }).optional(),
    /**
     * Classes of statements session audit logs, server-wide: `all`, `ddl`, `function`, `misc`,
     * `misc_set`, `read`, `role`, `write`. Aiven has no `none` and no `-class`; an empty list logs
     * nothing. (Aiven's schema has no uniqueItems and no minItems: duplicates and `[]` pass.)
     */
    logs: z
        .array(z.enum(AIVEN_PGAUDIT_CLASSES, { error: (issue) => explainClass(issue.input) }), {
            error: (issue) =>
                typeof issue.input === "string"
                    ? `must be a list of classes, e.g. ["ddl", "role"]; Aiven takes a list, not a comma string`
                    : `must be a list of pgaudit classes, e.g. ["ddl", "role"]`,
        })
        .optional(),
    /** Log statements whose relations are all in pg_catalog. Aiven's default: true. */
    logCatalog: f.logCatalog.optional(),
    /** Show audit messages to the client (psql) too. Aiven's default: false. */
    logClient: f.logClient.optional(),
    /** The log level of audit lines. Aiven's default: log. */
    logLevel: z.enum(AIVEN_PGAUDIT_LOG_LEVELS, { error: `must be one of ${AIVEN_PGAUDIT_LOG_LEVELS.join(", ")} (lowercase)` }).optional(),
    /** Crop statements and parameters longer than this many characters; -1 (default) never crops. */
    logMaxStringLength: f.logMaxStringLength.optional(),
    /** Log statements run inside another statement's execution. Aiven's default: true. */
    logNestedStatements: f.logNestedStatements.optional(),
    /** Include the statement's parameters. Aiven's default: false. */
    logParameter: f.logParameter.optional(),
    /**
     * Parameters longer than this many bytes are replaced; 0 (default) keeps them all. Aiven's
     * schema sets no bounds, but pgaudit refuses a negative value, and the service would then fail
     * to apply its configuration: we are stricter.
     */
    logParameterMaxSize: f.logParameterMaxSize.optional(),
    /** One audit line per relation of a SELECT or DML statement. Aiven's default: false. */
    logRelation: f.logRelation.optional(),
    /** Include the number of rows read or affected. Aiven's default: false. */
    logRows: f.logRows.optional(),
    /** Include the statement text. Aiven's default: true. */
    logStatement: f.logStatement.optional(),
    /** Statement text only with the first line of a statement. Aiven's default: false. */
    logStatementOnce: f.logStatementOnce.optional(),
    /**
     * The master role for object audit logging. Aiven's pattern allows 64 characters; PostgreSQL
     * keeps 63 bytes of a name, so a 64th character could never name the role: we are stricter.
     * JavaScript's `$` also refuses the trailing newline that Python's `$` lets through.
     */
    role: z
        .string({ error: "must be a role name (a string)" })
        .regex(AIVEN_ROLE_PATTERN, "must consist of letters, digits, dots, underscores or dashes, and not start with a dash or dot (Aiven's rule)")
        .max(NAME_MAX_BYTES, `must be at most ${NAME_MAX_BYTES} characters: PostgreSQL keeps ${NAME_MAX_BYTES} bytes of a role name`)
        .optional(),
});

/** The service-level pgaudit settings as users write them. */
export type PgAuditConfigInput = z.input<typeof pgAuditConfigSchema>;
/** The service-level pgaudit settings after validation. */
export type PgAuditConfig = z.output<typeof pgAuditConfigSchema>;

const SNAKE_CASE_HINTS = Object.fromEntries(
    [
        "feature_enabled",
        "log_catalog",
        "log_client",
        "log_level",
        "log_max_string_length",
        "log_nested_statements",
        "log_parameter",
        "log_parameter_max_size",
        "log_relation",
        "log_rows",
        "log_statement",
        "log_statement_once",
    ].map((key) => [key, `@pulumi/aiven spells Aiven's keys in camelCase: write "${key.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase())}"`]),
);

export const PGAUDIT_CONFIG_KEYS: KeyHelp = {
    known: Object.keys(pgAuditConfigSchema.shape),
    hints: {
        log: `write "logs": @pulumi/aiven names Aiven's list "logs" (per-database and per-role settings use "log")`,
        ...SNAKE_CASE_HINTS,
    },
};

/** Validates a service-level pgaudit block, or throws naming each wrong field (`audit.logs[1]`). */
export function parsePgAuditConfig(subject: string, at: string, value: unknown): PgAuditConfig {
    if (value === undefined || value === null) return {};
    const result = pgAuditConfigSchema.safeParse(value);
    if (!result.success) throw new PgAuditInputError(subject, describeIssues(result.error, at, PGAUDIT_CONFIG_KEYS));
    return result.data;
}

/** The block written to `pgUserConfig.pgaudit`: the declared keys, with featureEnabled defaulted. */
export function aivenPgauditBlock(config: PgAuditConfig): PgAuditConfig & { featureEnabled: boolean } {
    return { ...config, featureEnabled: config.featureEnabled ?? DEFAULT_FEATURE_ENABLED };
}
