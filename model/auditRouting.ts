/**
 * Where pgaudit's AUDIT lines go, as pgaudit and PostgreSQL decide it. pgaudit emits each line
 * with `ereport(log_client ? log_level : LOG_SERVER_ONLY, …)` (pgaudit.c); PostgreSQL writes a
 * message to the server log iff `is_log_level_output(level, log_min_messages)` (elog.c), which
 * ranks LOG (and LOG_SERVER_ONLY) just below ERROR rather than between DEBUG1 and INFO. Aiven
 * ships only the server log, so a line that misses it is lost to the auditors.
 */
import { decodeSetting } from "./settings";

/** PostgreSQL's message levels (elog.h), by the names log_min_messages and pgaudit.log_level take. */
const ELEVEL = {
    debug5: 10,
    debug4: 11,
    debug3: 12,
    debug2: 13,
    debug1: 14,
    log: 15,
    info: 17,
    notice: 18,
    warning: 19,
    error: 21,
    fatal: 22,
    panic: 23,
} as const;
const LOG = ELEVEL.log;
const LOG_SERVER_ONLY = 16;
const ERROR = ELEVEL.error;
const FATAL = ELEVEL.fatal;

/** A level name as log_min_messages takes it (pgaudit.log_level takes the same but error, fatal and panic). */
export type MessageLevel = keyof typeof ELEVEL;

/** log_min_messages' default (guc_tables.c): what a server nobody configured has. */
export const LOG_MIN_MESSAGES_DEFAULT: MessageLevel = "warning";

/** The core parameter that decides which levels reach the server log. */
export const LOG_MIN_MESSAGES = "log_min_messages";

/** A level name as PostgreSQL's enum parser reads it: any case, `debug` meaning debug2; undefined when it is none. */
function parseMessageLevel(text: string): MessageLevel | undefined {
    const t = text.trim().toLowerCase();
    if (t === "debug") return "debug2";
    return Object.hasOwn(ELEVEL, t) ? (t as MessageLevel) : undefined;
}

/** elog.c `is_log_level_output`: does a message at `elevel` reach the server log under `logMin`? */
function isLogLevelOutput(elevel: number, logMin: number): boolean {
    if (elevel === LOG || elevel === LOG_SERVER_ONLY) return logMin === LOG || logMin <= ERROR;
    if (logMin === LOG) return elevel >= FATAL;
    return elevel >= logMin;
}

/** The three values that route an AUDIT line, as a session gets them (text as stored, or typed). */
export interface AuditRoutingInput {
    readonly logClient: boolean | string;
    readonly logLevel: string;
    readonly logMinMessages: string;
}

/** Where a session's AUDIT lines go. */
export interface AuditRouting {
    /** The level pgaudit emits at: `LOG_SERVER_ONLY` with log_client off, else pgaudit.log_level. */
    readonly emittedAt: "LOG_SERVER_ONLY" | MessageLevel;
    /** The line reaches the server log (what Aiven ships to OpenSearch). */
    readonly toServerLog: boolean;
    /** pgaudit also sends it to the client (log_client on; the client's client_min_messages may still hide it). */
    readonly toClient: boolean;
    readonly logClient: boolean;
    readonly logLevel: MessageLevel;
    readonly logMinMessages: MessageLevel;
}

/** The routing, or the name of the first setting whose value PostgreSQL would not hold (then nothing can be concluded). */
export function auditRouting(
    input: AuditRoutingInput,
): AuditRouting | { readonly unreadable: "pgaudit.log_client" | "pgaudit.log_level" | "log_min_messages" } {
    const logClient = typeof input.logClient === "boolean" ? input.logClient : decodeSetting("logClient", input.logClient);
    if (typeof logClient !== "boolean") return { unreadable: "pgaudit.log_client" };
    const logLevel = parseMessageLevel(input.logLevel);
    if (logLevel === undefined || ELEVEL[logLevel] >= ERROR) return { unreadable: "pgaudit.log_level" };
    const logMinMessages = parseMessageLevel(input.logMinMessages);
    if (logMinMessages === undefined) return { unreadable: "log_min_messages" };
    const level = logClient ? ELEVEL[logLevel] : LOG_SERVER_ONLY;
    return {
        emittedAt: logClient ? logLevel : "LOG_SERVER_ONLY",
        toServerLog: isLogLevelOutput(level, ELEVEL[logMinMessages]),
        toClient: logClient,
        logClient,
        logLevel,
        logMinMessages,
    };
}

/**
 * Why no AUDIT line reaches the server log, naming the settings, e.g. `pgaudit.log_client = on and
 * pgaudit.log_level = notice send AUDIT lines to the client only (log_min_messages = warning):
 * none reach the server log that Aiven ships`. Undefined when they do reach it.
 */
export function auditLossText(routing: AuditRouting, options: { readonly logMinMessagesAssumed?: boolean } = {}): string | undefined {
    if (routing.toServerLog) return undefined;
    const lost = "none reach the server log that Aiven ships";
    // A declaration cannot see the server's log_min_messages: say when the default was assumed.
    const minMessages = `log_min_messages = ${routing.logMinMessages}${options.logMinMessagesAssumed ? ", PostgreSQL's default" : ""}`;
    if (routing.logClient) {
        return `pgaudit.log_client = on and pgaudit.log_level = ${routing.logLevel} send AUDIT lines to the client only (${minMessages}): ${lost}`;
    }
    return `${minMessages} drops every LOG message, AUDIT lines included (pgaudit.log_client = off writes them at LOG): ${lost}`;
}
