/**
 * The audit posture as data: zod schemas are the one source of its types and of the `--json`
 * contract, so a pipeline can validate what it reads.
 */
import { z } from "zod";
import { groupReportSchema } from "./groups";

/**
 * Where a pgaudit override is stored in pg_db_role_setting. `database` is also what
 * `ALTER ROLE ALL IN DATABASE d SET` writes: PostgreSQL keeps both in the same row
 * (setrole = 0), so they are one scope. `all-roles` is `ALTER ROLE ALL SET` (every role, every
 * database).
 */
const overrideScopeSchema = z.discriminatedUnion("kind", [
    z.object({ kind: z.literal("role-in-database"), role: z.string(), database: z.string() }),
    z.object({ kind: z.literal("role"), role: z.string() }),
    z.object({ kind: z.literal("database"), database: z.string() }),
    z.object({ kind: z.literal("all-roles") }),
]);
/** The kind of scope an override sits at: role in database, role, database, all roles. */
export type OverrideScope = z.infer<typeof overrideScopeSchema>;

/** The server's own value: pg_settings' `source` says which (default, configuration file, command line…). */
const serverOriginSchema = z.object({ kind: z.literal("server"), source: z.string().nullable() });

/** Where an effective value came from: an override scope, or the server-wide value. */
const settingOriginSchema = z.discriminatedUnion("kind", [...overrideScopeSchema.options, serverOriginSchema]);
/** Where an effective value comes from: an override's scope, or the server. */
export type SettingOrigin = z.infer<typeof settingOriginSchema>;

/** A server-wide pgaudit setting, as far as the connecting role can see it. */
const serverSettingSchema = z.object({
    name: z.string(),
    /** The value a session gets where no override applies; null when it is hidden from us. */
    value: z.string().nullable(),
    /** pg_settings' source of that value (default, configuration file, command line, …); null when hidden. */
    source: z.string().nullable(),
    /** The database whose session showed the value. */
    readIn: z.string(),
    /** When the value is hidden: the override that masks it in every session we could open. */
    hiddenBy: overrideScopeSchema.optional(),
});
/** A server-wide pgaudit setting, with its source. */
export type ServerSetting = z.infer<typeof serverSettingSchema>;

/** One pgaudit entry of pg_db_role_setting, exactly as stored. */
const overrideSchema = z.object({ scope: overrideScopeSchema, name: z.string(), value: z.string() });
/** One pgaudit override in pg_db_role_setting. */
export type Override = z.infer<typeof overrideSchema>;

const roleSchema = z.object({ name: z.string(), canLogin: z.boolean(), superuser: z.boolean() });

const databaseSchema = z.object({ name: z.string(), owner: z.string(), allowsConnections: z.boolean() });

/** One setting as a session of a role in a database gets it at login. */
const effectiveSettingSchema = z.object({
    name: z.string(),
    /** null when it falls through to a server-wide value we cannot see. */
    value: z.string().nullable(),
    from: settingOriginSchema,
});
/** One setting as a session of a role in a database gets it at login, and why. */
export type EffectiveSetting = z.infer<typeof effectiveSettingSchema>;

/**
 * Where a session's AUDIT lines go, from its effective pgaudit.log_client, pgaudit.log_level and
 * log_min_messages (provider/core/auditRouting.ts). null fields: a value is hidden or unreadable,
 * so nobody can say (`unknown` names which), and a gate counts that as a violation.
 */
const auditLinesSchema = z.object({
    /** The AUDIT lines reach the server log, which is what Aiven ships to OpenSearch. */
    toServerLog: z.boolean().nullable(),
    /** pgaudit also sends them to the client (pgaudit.log_client = on). */
    toClient: z.boolean().nullable(),
    /** The level pgaudit emits at: LOG_SERVER_ONLY, or pgaudit.log_level when log_client is on. */
    emittedAt: z.string().nullable(),
    /** Why none reach the server log, naming the settings; absent when they do. */
    loss: z.string().optional(),
    /** The setting that makes the routing unknowable, and why. */
    unknown: z.object({ setting: z.string(), why: z.enum(["hidden", "unreadable"]) }).optional(),
});
/** Where a login session's AUDIT lines go. */
export type AuditLines = z.infer<typeof auditLinesSchema>;

/** What a role's sessions in a database get at login, every pgaudit setting resolved on its own. */
const effectivePostureSchema = z.object({
    role: z.string(),
    database: z.string(),
    canLogin: z.boolean(),
    /** The role holds CONNECT on the database (directly, through membership, or as superuser). */
    canConnect: z.boolean(),
    superuser: z.boolean(),
    /** Every pgaudit.* setting, and log_min_messages (it decides whether AUDIT lines reach the server log). */
    settings: z.array(effectiveSettingSchema),
    auditLines: auditLinesSchema,
});
/** Every effective pgaudit setting of one login role in one database. */
export type EffectivePosture = z.infer<typeof effectivePostureSchema>;

/** The zod schema of an AuditPosture (what --json prints under posture). */
export const auditPostureSchema = z.object({
    connectedAs: z.object({ user: z.string(), database: z.string(), host: z.string(), port: z.number(), superuser: z.boolean() }),
    serverVersion: z.string(),
    /** pgaudit's version: the extension's in the connected database, else that of the files installed; null when neither is there. Absent from reports made before it was read. */
    pgauditVersion: z.string().nullable().optional(),
    /** When the catalog was read (ISO 8601, UTC). Absent from reports made before it was recorded. */
    readAt: z.string().optional(),
    /** pg_settings shows pgaudit.* parameters only when the library is loaded. */
    pgauditLoaded: z.boolean(),
    server: z.array(serverSettingSchema),
    overrides: z.array(overrideSchema),
    /** Every role except PostgreSQL's predefined pg_* roles (reserved names, never LOGIN). */
    roles: z.array(roleSchema),
    databases: z.array(databaseSchema),
    /** Every role × every database that accepts connections, sorted by role then database. */
    effective: z.array(effectivePostureSchema),
    /**
     * Object audit per database, read where some login role gets a pgaudit.role, or where a
     * required table may be (`--require-object`). Absent from postures built without that read.
     */
    get objectAudit() {
        return z.array(databaseObjectAuditSchema).optional();
    },
    /**
     * Functions whose definition sets pgaudit.* or log_min_messages for their body
     * (pg_proc.proconfig), per database. Absent from postures built without that read.
     */
    get functions() {
        return functionSettingsSchema.optional();
    },
    /** Who holds SET (or ALTER SYSTEM) on pgaudit.* or log_min_messages (pg_parameter_acl); absent before PostgreSQL 15. */
    get parameterGrants() {
        return z.array(parameterGrantSchema).optional();
    },
});
/** A server's audit posture: server settings, overrides, and the effective settings of every role in every database. */
export type AuditPosture = z.infer<typeof auditPostureSchema>;

/** Why a role in a database fails a requirement. */
const violationReasonSchema = z.enum(["lacks-classes", "value-hidden", "value-unreadable", "pgaudit-not-loaded", "not-in-server-log"]);

export const violationSchema = z.object({
    role: z.string(),
    database: z.string(),
    /** pgaudit.log; or, when the lines miss the server log, the setting responsible (pgaudit.log_client, log_min_messages). */
    setting: z.string(),
    value: z.string().nullable(),
    /** Required classes the effective value does not audit. */
    lacks: z.array(z.string()),
    /** The override (or server value) responsible for the effective value. */
    from: settingOriginSchema,
    reason: violationReasonSchema,
    /** One sentence for people: what is wrong and what to run. */
    message: z.string(),
});
/** A login role and database whose effective pgaudit.log lacks a required class. */
export type Violation = z.infer<typeof violationSchema>;

const requirementResultSchema = z.object({
    classes: z.array(z.string()),
    /** Login role × database pairs the requirement applied to. */
    checked: z.number(),
    /** Pairs reported but not required: the role cannot log in, or has no CONNECT on the database. */
    notRequired: z.object({ noLogin: z.number(), noConnect: z.number() }),
    violations: z.array(violationSchema),
    /** Functions whose SET clause weakens auditing for their body, and databases whose functions could not be read. */
    get functionViolations() {
        return z.array(functionViolationSchema);
    },
});
/** The verdict of --require: the classes asked for and every violation. */
export type RequirementResult = z.infer<typeof requirementResultSchema>;

/** Why a role in a database fails a baseline rule. */
const baselineViolationReasonSchema = z.enum([
    "pgaudit-not-loaded",
    "lacks-classes",
    "wrong-value",
    "value-hidden",
    "value-unreadable",
    "setting-unknown",
    "not-in-server-log",
]);

/** A scope allowed to be weaker than the baseline, and why: the shape PgAuditLogging and the policy pack take. */
const baselineExceptionShape = {
    role: z.string().optional(),
    database: z.string().optional(),
    /** What auditors will read: the ticket, who accepted the risk, what compensates. */
    reason: z.string(),
};
/** An exception to a baseline: the scope it names (role, database, or role in database) and its reason. */
export type BaselineExceptionEntry = z.infer<z.ZodObject<typeof baselineExceptionShape>>;

/** One baseline rule a login role fails in one database. */
const baselineViolationSchema = z.object({
    /** The baseline's rule id ("log-classes"). */
    rule: z.string(),
    /** The source document's ids for the rule ("V-233565", "3.2"). */
    references: z.array(z.string()),
    role: z.string(),
    database: z.string(),
    /** The server parameter ("pgaudit.log"), or "shared_preload_libraries" when pgaudit is not loaded. */
    setting: z.string(),
    /** The effective value; null when hidden or not loaded. */
    value: z.string().nullable(),
    /** What the rule wants, as PostgreSQL writes it ("ddl, role, read, write", "on"). */
    expected: z.string(),
    /** For class rules: the required classes the effective value does not audit. */
    lacks: z.array(z.string()).optional(),
    /** The override (or server value) responsible for the effective value. */
    from: settingOriginSchema,
    reason: baselineViolationReasonSchema,
    /** One sentence for people: the scope, the rule, and the fix. */
    message: z.string(),
});
/** A login role and database that break a rule of the baseline, with the scope responsible and the fix. */
export type BaselineViolation = z.infer<typeof baselineViolationSchema>;

/** `--baseline NAME`: every rule of a baseline checked on every login role × database it may connect to. */
const baselineResultSchema = z.object({
    baseline: z.object({ name: z.string(), title: z.string(), document: z.string(), version: z.string() }),
    rules: z.array(z.object({ id: z.string(), says: z.string(), references: z.array(z.string()) })),
    checked: z.number(),
    notRequired: z.object({ noLogin: z.number(), noConnect: z.number() }),
    violations: z.array(baselineViolationSchema),
    /** Functions whose SET clause breaks a rule for their body, and databases whose functions could not be read. */
    get functionViolations() {
        return z.array(functionViolationSchema);
    },
    /** With `--exceptions`: each exception as given, and the rules it excused (empty: it excuses nothing). */
    exceptions: z.array(z.object({ ...baselineExceptionShape, excuses: z.array(z.string()) })).optional(),
    /** With `--exceptions`: the violations an exception excused (not counted in `violations`, nor in the exit status). */
    excused: z.array(baselineViolationSchema.extend({ exception: z.object(baselineExceptionShape) })).optional(),
});
/** The verdict of --baseline: the rules checked and every violation. */
export type BaselineResult = z.infer<typeof baselineResultSchema>;

/** What `pgaudit-posture --json` prints. */
export const postureReportSchema = z.object({
    posture: auditPostureSchema,
    requirement: requirementResultSchema.nullable(),
    /** `--require-object`'s verdict; absent when not asked. */
    get objectRequirement() {
        return objectRequirementResultSchema.optional();
    },
    /** With `--baseline`: the baseline's verdict. */
    baseline: baselineResultSchema.nullable().optional(),
    /** The pgaudit-posture command's view of group scopes: which member scopes they hold, and `--require-group`'s verdicts. */
    get groups() {
        return groupReportSchema.optional();
    },
    /** With `--compare`: what changed since the previous report. */
    get changes() {
        return postureChangesSchema.optional();
    },
});
/** What pgaudit-posture --json prints: the posture and each verdict asked for. */
export type PostureReport = z.infer<typeof postureReportSchema>;

// ---- Object audit (pgaudit.role and the audit role's privileges, per database) ----

/** A privilege that makes pgaudit's object audit log a statement: held by the audit role, or by a role it inherits from. */
const objectGrantSchema = z.object({
    schema: z.string(),
    table: z.string(),
    /** null: the whole table. */
    column: z.string().nullable(),
    privilege: z.enum(["select", "insert", "update", "delete"]),
    /** The role the privilege is granted to: the audit role itself, or a role it is an inheriting member of (pgaudit counts those). */
    grantee: z.string(),
});
export type ObjectGrant = z.infer<typeof objectGrantSchema>;

/** What object audit logs in one database, for each audit role some login role gets there. */
const databaseObjectAuditSchema = z.object({
    database: z.string(),
    /** False when the connecting role could not read the database (then `error` says why). */
    readable: z.boolean(),
    error: z.string().optional(),
    auditRoles: z.array(z.object({ name: z.string(), exists: z.boolean(), grants: z.array(objectGrantSchema) })),
    /** The tables asked about (`--require-object`) that this database holds, with their columns. */
    tables: z.array(z.object({ schema: z.string(), table: z.string(), columns: z.array(z.string()) })),
});
export type DatabaseObjectAudit = z.infer<typeof databaseObjectAuditSchema>;

const objectViolationSchema = z.object({
    /** The requirement as given, e.g. `public.cards:select,update`. */
    requirement: z.string(),
    /** null: no database holds the table. */
    database: z.string().nullable(),
    /** The effective pgaudit.role of the roles concerned ('' when unset, null when hidden). */
    auditRole: z.string().nullable(),
    /** Login roles whose statements on the table go unaudited. */
    roles: z.array(z.string()),
    lacks: z.array(z.string()),
    reason: z.enum(["no-such-table", "database-unreadable", "no-audit-role", "audit-role-missing", "role-hidden", "lacks-privileges"]),
    message: z.string(),
});
export type ObjectViolation = z.infer<typeof objectViolationSchema>;

const objectRequirementResultSchema = z.object({
    requirements: z.array(z.string()),
    /** Login role × database pairs checked, over all requirements. */
    checked: z.number(),
    violations: z.array(objectViolationSchema),
});
export type ObjectRequirementResult = z.infer<typeof objectRequirementResultSchema>;

// ---- Settings outside the login defaults: functions' SET clauses, parameter grants ----

/** A function that sets pgaudit.* (or log_min_messages) for its body: `CREATE FUNCTION … SET pgaudit.log = 'none'`. */
const functionSettingSchema = z.object({
    database: z.string(),
    schema: z.string(),
    name: z.string(),
    /** pg_get_function_identity_arguments: `a integer, b text`. */
    arguments: z.string(),
    owner: z.string(),
    /** SECURITY DEFINER: runs as its owner. */
    securityDefiner: z.boolean(),
    /** Each entry of its SET clause that concerns auditing, as stored. */
    settings: z.array(z.object({ name: z.string(), value: z.string() })),
});
/** A function whose definition sets pgaudit.* or log_min_messages. */
export type FunctionSetting = z.infer<typeof functionSettingSchema>;

/** The functions read, and the databases whose functions could not be read (a gate fails on those). */
const functionSettingsSchema = z.object({
    functions: z.array(functionSettingSchema),
    unreadable: z.array(z.object({ database: z.string(), error: z.string() })),
});
/** Every database's functions with audit-related SET clauses, and what could not be read. */
export type FunctionSettings = z.infer<typeof functionSettingsSchema>;

/** A privilege on a parameter (GRANT SET ON PARAMETER pgaudit.log TO r): r may change it for its own session. */
const parameterGrantSchema = z.object({
    parameter: z.string(),
    /** A role name, or PUBLIC. */
    grantee: z.string(),
    /** SET or ALTER SYSTEM. */
    privilege: z.string(),
    grantable: z.boolean(),
    /** The grantee is the role the posture was read as (on Aiven avnadmin holds these by design). */
    connectingRole: z.boolean(),
});
/** One grant of SET (or ALTER SYSTEM) on an audit parameter. */
export type ParameterGrant = z.infer<typeof parameterGrantSchema>;

/** A function that weakens auditing for its body, or a database whose functions could not be read. */
const functionViolationSchema = z.object({
    database: z.string(),
    /** `schema.name(arguments)`; null when the database could not be read. */
    function: z.string().nullable(),
    owner: z.string().nullable(),
    /** The SET entry responsible (pgaudit.log, pgaudit.log_level…); null when the database could not be read. */
    setting: z.string().nullable(),
    value: z.string().nullable(),
    /** With --baseline: the rule broken. */
    rule: z.string().optional(),
    reason: z.enum(["function-weakens-audit", "database-unreadable"]),
    message: z.string(),
});
/** A function whose SET clause weakens auditing, or functions that could not be read. */
export type FunctionViolation = z.infer<typeof functionViolationSchema>;

// ---- Changes since a previous report (--compare) ----

const pairChangeShape = { role: z.string(), database: z.string(), setting: z.string(), before: z.string().nullable(), after: z.string().nullable() };

/** What changed between a previous `--json` report and this one. */
const postureChangesSchema = z.object({
    /** When the previous report's catalog was read; null when it does not say. */
    previousReadAt: z.string().nullable(),
    rolesAdded: z.array(z.string()),
    rolesRemoved: z.array(z.string()),
    databasesAdded: z.array(z.string()),
    databasesRemoved: z.array(z.string()),
    /** A login pair that audits less: classes lost from pgaudit.log, or AUDIT lines that stopped reaching the server log. */
    weakened: z.array(z.object({ ...pairChangeShape, lost: z.array(z.string()) })),
    /** A login pair that audits more: classes gained, or AUDIT lines that reach the server log again. */
    strengthened: z.array(z.object({ ...pairChangeShape, gained: z.array(z.string()) })),
    /** Other effective settings whose value changed (neither weaker nor stronger by themselves). */
    changed: z.array(z.object(pairChangeShape)),
    /** Violations (requirement, baseline, object requirement, functions) that are new, and those gone, as their messages. */
    newViolations: z.array(z.string()),
    resolvedViolations: z.array(z.string()),
    newExceptions: z.array(z.object(baselineExceptionShape)),
    removedExceptions: z.array(z.object(baselineExceptionShape)),
    verdict: z.object({ before: z.enum(["pass", "fail", "unchecked"]), after: z.enum(["pass", "fail", "unchecked"]) }),
});
/** What changed since a previous report: roles, databases, weaker or stronger pairs, violations, exceptions. */
export type PostureChanges = z.infer<typeof postureChangesSchema>;
