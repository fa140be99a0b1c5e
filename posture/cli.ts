/**
 * `pgaudit-posture`: prints who is audited for what, where, and why; exits 1 when a login role
 * lacks a required class. Meant for a pipeline step right after `pulumi up`.
 */
import { parseArgs } from "node:util";
import { safeText } from "./displayText";
import type { PostureReport } from "./model";
import { readAuditPosture } from "./readAuditPosture";
import { renderPostureReport } from "./renderReport";
import { checkRequirements, parseRequiredClasses, type RequiredClass } from "./requirements";
import { BASELINES, resolveBaseline, type Baseline } from "../baselines";
import { checkBaseline } from "./baselineCheck";
import { resolveCliConnection, type Environment } from "./cliConnection";
import { checkObjectRequirements, parseObjectRequirement, type ObjectRequirement } from "./objectRequirements";
import { checkGroupRequirement, groupFailures, parseGroupRequirement, type GroupRequirement } from "./groups";
import { readGroups } from "./readGroups";

export const EXIT_OK = 0;
export const EXIT_REQUIREMENT_VIOLATED = 1;
export const EXIT_USAGE_OR_CONNECTION = 2;

const USAGE = `Usage: pgaudit-posture [--connection URI] [--require CLASSES] [--require-object TABLE:COMMANDS] [--require-group GROUP:CLASSES] [--baseline NAME|FILE] [--json] [--connect-deadline SECONDS]

Shows the server-wide pgaudit settings, every pgaudit override by scope, and the effective
pgaudit settings of every role in every database that accepts connections.

  --connection URI         postgresql://user@host:port/database?sslmode=require
                           (default: PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE, PGSSLMODE;
                           a password missing from the URI comes from PGPASSWORD;
                           PGSSLROOTCERT names the CA certificate file)
  --require CLASSES        classes every login role must audit in every database it can connect
                           to, e.g. ddl,role (repeatable; "all" means every class)
  --require-object SPEC    object audit every login role must get in every database that
                           holds the table: schema.table:commands, e.g. public.cards:select,update,
                           or public.cards(pan):select for columns (repeatable; quote a name part
                           holding a dot as in SQL: "my.schema".cards:select)
  --require-group SPEC     classes every login member of a group role (directly or through other
                           roles) must audit in every database it can connect to, e.g.
                           analysts:read,write (repeatable; a missing group fails)
  --baseline NAME|FILE     check every rule of a compliance baseline on every login role in
                           every database it can connect to: ${Object.keys(BASELINES).join(", ")}, or a JSON file
                           holding your own baseline (the shape defineBaseline takes)
  --json                   print the report as JSON
  --connect-deadline SEC   keep retrying a starting server this long (default 10)
  --help                   show this text

Exit status: 0 ok, 1 a requirement or baseline rule is violated, 2 usage or connection error.
`;

export interface CliIo {
    readonly stdout: (text: string) => void;
    readonly stderr: (text: string) => void;
    readonly readFile: (path: string) => string;
}

interface CliOptions {
    readonly connection?: string;
    readonly required: RequiredClass[] | null;
    /** Absent when no --require-object was given. */
    readonly requiredObjects?: ObjectRequirement[];
    /** Absent when no --require-group was given. */
    readonly requiredGroups?: GroupRequirement[];
    /** A shipped baseline's name, or the path of a JSON file (read when the CLI runs). */
    readonly baseline?: { builtin: Baseline } | { file: string };
    readonly json: boolean;
    readonly connectDeadlineSeconds: number;
}

/** Parses argv, or returns the usage error (or "help"). */
export function parseCliArgs(argv: readonly string[]): CliOptions | { error: string } | "help" {
    let values;
    try {
        ({ values } = parseArgs({
            args: [...argv],
            options: {
                connection: { type: "string" },
                require: { type: "string", multiple: true },
                "require-object": { type: "string", multiple: true },
                "require-group": { type: "string", multiple: true },
                baseline: { type: "string" },
                json: { type: "boolean", default: false },
                "connect-deadline": { type: "string" },
                help: { type: "boolean", default: false },
            },
            strict: true,
            allowPositionals: false,
        }));
    } catch (err) {
        // parseArgs echoes a positional argument whole, and a URI given without --connection
        // carries its password: name the mistake instead. Its other messages name only options.
        if ((err as { code?: string }).code === "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL") {
            return { error: "unexpected argument: this command takes no positional arguments; pass the URI as --connection URI" };
        }
        return { error: (err as Error).message };
    }
    if (values.help) return "help";
    let required: RequiredClass[] | null = null;
    if (values.require !== undefined) {
        const parsed = parseRequiredClasses(values.require);
        if ("error" in parsed) return { error: parsed.error };
        required = parsed.classes;
    }
    const requiredObjects: ObjectRequirement[] = [];
    for (const value of values["require-object"] ?? []) {
        const parsed = parseObjectRequirement(value);
        if ("error" in parsed) return { error: parsed.error };
        requiredObjects.push(parsed);
    }
    const requiredGroups: GroupRequirement[] = [];
    for (const value of values["require-group"] ?? []) {
        const parsed = parseGroupRequirement(value);
        if ("error" in parsed) return { error: parsed.error };
        requiredGroups.push(parsed);
    }
    let baseline: CliOptions["baseline"];
    if (values.baseline !== undefined) {
        const arg = values.baseline;
        if (Object.hasOwn(BASELINES, arg)) baseline = { builtin: BASELINES[arg] };
        else if (arg.includes("/") || arg.endsWith(".json")) baseline = { file: arg };
        else return { error: `--baseline: unknown baseline "${arg}"; expected one of ${Object.keys(BASELINES).join(", ")}, or the path of a JSON file` };
    }
    let connectDeadlineSeconds = 10;
    if (values["connect-deadline"] !== undefined) {
        connectDeadlineSeconds = Number(values["connect-deadline"]);
        if (!Number.isFinite(connectDeadlineSeconds) || connectDeadlineSeconds <= 0 || connectDeadlineSeconds > 3600) {
            return { error: "--connect-deadline must be a number of seconds from 0 to 3600 (more than 0)" };
        }
    }
    return {
        ...(values.connection !== undefined ? { connection: values.connection } : {}),
        required,
        ...(requiredObjects.length > 0 ? { requiredObjects } : {}),
        ...(requiredGroups.length > 0 ? { requiredGroups } : {}),
        ...(baseline ? { baseline } : {}),
        json: values.json === true,
        connectDeadlineSeconds,
    };
}

/** Runs the CLI and returns its exit status; the caller closes the connection pools. */
export async function runPostureCli(argv: readonly string[], env: Environment, io: CliIo): Promise<number> {
    const options = parseCliArgs(argv);
    if (options === "help") {
        io.stdout(USAGE);
        return EXIT_OK;
    }
    if ("error" in options) {
        // parseArgs' own messages run over several lines; each is made safe, the line breaks kept.
        io.stderr(`pgaudit-posture: ${options.error.split("\n").map(safeText).join("\n")}\n\n${USAGE}`);
        return EXIT_USAGE_OR_CONNECTION;
    }
    let baseline: Baseline | null = null;
    if (options.baseline) {
        const loaded = loadBaseline(options.baseline, io.readFile);
        if ("error" in loaded) {
            io.stderr(`pgaudit-posture: ${safeText(loaded.error)}\n`);
            return EXIT_USAGE_OR_CONNECTION;
        }
        baseline = loaded.baseline;
    }
    const resolved = resolveCliConnection(options.connection, env, io.readFile);
    if ("error" in resolved) {
        io.stderr(`pgaudit-posture: ${safeText(resolved.error)}\n`);
        return EXIT_USAGE_OR_CONNECTION;
    }
    let report: PostureReport;
    try {
        const posture = await readAuditPosture(resolved.connection, {
            connectDeadlineSeconds: options.connectDeadlineSeconds,
            connectDeadlineName: "--connect-deadline",
            objectTables: options.requiredObjects ?? [],
        });
        report = {
            posture,
            requirement: options.required ? checkRequirements(posture, options.required) : null,
            baseline: baseline ? checkBaseline(posture, baseline) : null,
        };
        if (options.requiredObjects) report.objectRequirement = checkObjectRequirements(posture, options.requiredObjects);
        // Which group scope set each value, and the members of each required group, read after the posture.
        const groups = await readGroups(resolved.connection, [...new Set((options.requiredGroups ?? []).map((g) => g.group))], options.connectDeadlineSeconds);
        report.groups = {
            holders: groups.holders,
            ...(groups.holdersNote ? { holdersNote: groups.holdersNote } : {}),
            requirements: (options.requiredGroups ?? []).map((r) => checkGroupRequirement(posture, r, groups.memberships.find((m) => m.group === r.group))),
        };
    } catch (err) {
        // Connection errors name user@host:port/db, never the password.
        io.stderr(`pgaudit-posture: ${safeText(err instanceof Error ? err.message : String(err))}\n`);
        return EXIT_USAGE_OR_CONNECTION;
    }
    io.stdout(
        options.json
            ? JSON.stringify(report, null, 2) + "\n"
            : renderPostureReport(report.posture, report.requirement, report.objectRequirement, report.baseline, report.groups),
    );
    const violated =
        (report.requirement?.violations.length ?? 0) +
        (report.requirement?.functionViolations.length ?? 0) +
        (report.objectRequirement?.violations.length ?? 0) +
        (report.baseline?.violations.length ?? 0) +
        (report.baseline?.functionViolations.length ?? 0) +
        groupFailures(report.groups);
    return violated > 0 ? EXIT_REQUIREMENT_VIOLATED : EXIT_OK;
}

/** A shipped baseline, or one read from a JSON file and validated. */
function loadBaseline(arg: NonNullable<CliOptions["baseline"]>, readFile: CliIo["readFile"]): { baseline: Baseline } | { error: string } {
    if ("builtin" in arg) return { baseline: arg.builtin };
    let data: unknown;
    try {
        data = JSON.parse(readFile(arg.file));
    } catch (err) {
        return { error: `--baseline ${arg.file}: cannot read it as JSON (${(err as Error).message})` };
    }
    try {
        return { baseline: resolveBaseline(data as Parameters<typeof resolveBaseline>[0]) };
    } catch (err) {
        return { error: `--baseline ${arg.file}: ${(err as Error).message}` };
    }
}
