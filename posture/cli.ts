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
import { checkGroupRequirement, parseGroupRequirement, type GroupRequirement } from "./groups";
import { readGroups } from "./readGroups";
import { applyExceptions, parseExceptions } from "./baselineExceptions";
import { compareReports, parsePreviousReport } from "./report/compare";
import { renderHtml } from "./report/html";
import { renderJunit } from "./report/junit";
import { renderMarkdown } from "./report/markdown";
import { verdictOf } from "./report/verdict";

export const EXIT_OK = 0;
export const EXIT_REQUIREMENT_VIOLATED = 1;
export const EXIT_USAGE_OR_CONNECTION = 2;

/** What --format takes: text (the default table), json (what --json prints), and the evidence formats. */
const FORMATS = ["text", "json", "html", "markdown", "junit"] as const;
type Format = (typeof FORMATS)[number];

const USAGE = `Usage: pgaudit-posture [--connection URI] [--require CLASSES] [--require-object TABLE:COMMANDS] [--require-group GROUP:CLASSES] [--baseline NAME|FILE]
                       [--exceptions FILE] [--format FORMAT] [--out FILE] [--compare PREVIOUS.json] [--json] [--connect-deadline SECONDS]

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
  --exceptions FILE        with --baseline: scopes allowed to be weaker, each with its reason, as a JSON
                           list [{ "role": "loader", "reason": "SEC-123: ..." }] or the policy pack's
                           configuration file; the violations they excuse are reported, not counted
  --format FORMAT          text (default), json, html (one self-contained page), markdown (a CI job
                           summary or pull-request comment) or junit (each rule × role a test case)
  --out FILE               write the report to FILE instead of standard output
  --compare PREVIOUS.json  also show what changed since a previous --json report (every format)
  --json                   the same as --format json
  --connect-deadline SEC   keep retrying a starting server this long (default 10)
  --help                   show this text

Exit status: 0 ok, 1 a requirement or baseline rule is violated, 2 usage or connection error.
`;

export interface CliIo {
    readonly stdout: (text: string) => void;
    readonly stderr: (text: string) => void;
    readonly readFile: (path: string) => string;
    /** Where --out writes; without it, --out is refused. */
    readonly writeFile?: (path: string, text: string) => void;
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
    readonly exceptionsFile?: string;
    readonly format: Format;
    readonly out?: string;
    readonly compare?: string;
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
                format: { type: "string" },
                out: { type: "string" },
                compare: { type: "string" },
                exceptions: { type: "string" },
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
    let format: Format = values.json ? "json" : "text";
    if (values.format !== undefined) {
        if (!(FORMATS as readonly string[]).includes(values.format))
            return { error: `--format: "${values.format}" is not a format; expected one of ${FORMATS.join(", ")}` };
        if (values.json && values.format !== "json") return { error: `--json and --format ${values.format} ask for two formats; give one` };
        format = values.format as Format;
    }
    if (values.exceptions !== undefined && baseline === undefined)
        return { error: `--exceptions excuses scopes from a baseline; give --baseline too, e.g. --baseline stig --exceptions ${values.exceptions}` };
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
        ...(values.exceptions !== undefined ? { exceptionsFile: values.exceptions } : {}),
        format,
        ...(values.out !== undefined ? { out: values.out } : {}),
        ...(values.compare !== undefined ? { compare: values.compare } : {}),
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
    // Every file is read before connecting: a mistake in one costs no connection.
    const exceptions = options.exceptionsFile !== undefined ? readWith(io.readFile, options.exceptionsFile, "--exceptions", parseExceptions) : undefined;
    const previous = options.compare !== undefined ? readWith(io.readFile, options.compare, "--compare", parsePreviousReport) : undefined;
    for (const problem of [exceptions, previous]) {
        if (problem && "error" in problem) {
            io.stderr(`pgaudit-posture: ${safeText(problem.error)}\n`);
            return EXIT_USAGE_OR_CONNECTION;
        }
    }
    if (options.out !== undefined && !io.writeFile) {
        io.stderr("pgaudit-posture: --out cannot write files here\n");
        return EXIT_USAGE_OR_CONNECTION;
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
        if (report.baseline && exceptions && "exceptions" in exceptions) report.baseline = applyExceptions(report.baseline, exceptions.exceptions);
        if (options.requiredObjects) report.objectRequirement = checkObjectRequirements(posture, options.requiredObjects);
        // Which group scope set each value, and the members of each required group, read after the posture.
        const groups = await readGroups(resolved.connection, [...new Set((options.requiredGroups ?? []).map((g) => g.group))], options.connectDeadlineSeconds);
        report.groups = {
            holders: groups.holders,
            ...(groups.holdersNote ? { holdersNote: groups.holdersNote } : {}),
            requirements: (options.requiredGroups ?? []).map((r) =>
                checkGroupRequirement(
                    posture,
                    r,
                    groups.memberships.find((m) => m.group === r.group),
                ),
            ),
        };
    } catch (err) {
        // Connection errors name user@host:port/db, never the password.
        io.stderr(`pgaudit-posture: ${safeText(err instanceof Error ? err.message : String(err))}\n`);
        return EXIT_USAGE_OR_CONNECTION;
    }
    if (previous && "report" in previous) report.changes = compareReports(previous.report, report);
    const text = renderReport(report, options.format);
    if (options.out !== undefined) {
        try {
            io.writeFile!(options.out, text);
        } catch (err) {
            io.stderr(
                `pgaudit-posture: --out ${safeText(options.out)}: cannot write it (${safeText((err as NodeJS.ErrnoException).code ?? (err as Error).message)})\n`,
            );
            return EXIT_USAGE_OR_CONNECTION;
        }
        io.stderr(`pgaudit-posture: wrote the ${options.format} report to ${safeText(options.out)} (${Buffer.byteLength(text)} bytes)\n`);
    } else io.stdout(text);
    return verdictOf(report) === "fail" ? EXIT_REQUIREMENT_VIOLATED : EXIT_OK;
}

function renderReport(report: PostureReport, format: Format): string {
    switch (format) {
        case "json":
            return JSON.stringify(report, null, 2) + "\n";
        case "html":
            return renderHtml(report);
        case "markdown":
            return renderMarkdown(report);
        case "junit":
            return renderJunit(report);
        case "text":
            return renderPostureReport(report.posture, report.requirement, report.objectRequirement, report.baseline, report.groups, report.changes);
    }
}

/** Reads a file an option names and parses it, or says why not. */
function readWith<T>(
    readFile: CliIo["readFile"],
    file: string,
    option: string,
    parse: (text: string, file: string) => T | { error: string },
): T | { error: string } {
    let text: string;
    try {
        text = readFile(file);
    } catch (err) {
        return { error: `${option} ${file}: cannot read it (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})` };
    }
    return parse(text, file);
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
