/**
 * What the server's errors mean for a user: each explained in terms of what to change, above all
 * for Aiven's permission model, where the connecting role (avnadmin) is not a superuser; and
 * which connect errors are worth retrying.
 */
import { escapeIdentifier } from "pg";
import { PgAuditSettingError } from "../model/errors";

/** The fields of a node-postgres DatabaseError that we read. */
interface PgErrorLike {
    readonly code?: string;
    readonly message?: string;
    readonly detail?: string;
    /** CONTEXT: for a lock wait, the relation ("while updating tuple (0,3) in relation \"pg_db_role_setting\""). */
    readonly where?: string;
}

/** Session bounds every connection sets (connection.ts sends them; here for the messages). */
export const SESSION_BOUNDS = { lockTimeoutSeconds: 10, statementTimeoutSeconds: 60 } as const;

function isPgError(err: unknown): err is PgErrorLike & Error {
    return err instanceof Error && typeof (err as PgErrorLike).code === "string" && /^[0-9A-Z]{5}$/.test((err as PgErrorLike).code!);
}

export interface ErrorContext {
    /** What was being done, e.g. `setting pgaudit.log for role "app"`. */
    readonly action: string;
    /** The connecting role. */
    readonly user: string;
}

/**
 * Explains a server error in terms of what to change. Messages measured on PostgreSQL 15, 17 and
 * 18 (`aclchk.c`, `user.c`, `guc.c`): from 16 on, ALTER ROLE's refusals all say "permission denied
 * to alter role/setting" and only the DETAIL tells a superuser target, a global setting and a
 * missing ADMIN OPTION apart. An unknown error keeps the server's own words.
 */
export function explainPgError(err: unknown, context: ErrorContext): Error {
    if (err instanceof PgAuditSettingError || !isPgError(err)) {
        return err instanceof Error ? err : new Error(String(err));
    }
    const message = err.message ?? "";
    const detail = err.detail ?? "";
    const user = JSON.stringify(context.user);
    let advice: string | undefined;
    let match: RegExpMatchArray | null;
    if ((match = message.match(/must be owner of database (.+)$/))) {
        advice =
            `the connecting role ${user} does not own database ${JSON.stringify(match[1])}, and ALTER DATABASE … SET needs its owner. ` +
            `Fix: create the database as ${user} (aiven.PgDatabase does), run ALTER DATABASE … OWNER TO ${user}, ` +
            `or declare the setting per role in that database (role + database), which needs no ownership`;
    } else if (/must be superuser to alter superusers/.test(message) || /may alter roles with the SUPERUSER attribute/.test(detail)) {
        advice =
            `the target role is a superuser and ${user} is not (on Aiven no user is): settings of superuser roles cannot be changed from here. ` +
            `Fix: declare the setting for a non-superuser role`;
    } else if ((match = message.match(/permission denied to set parameter "([^"]+)"/))) {
        advice =
            `${user} may not set ${match[1]}: it lacks GRANT SET ON PARAMETER ${match[1]}. ` +
            `Fix: on Aiven, enable pgaudit on the service (pgUserConfig.pgaudit.featureEnabled = true) first; elsewhere a superuser runs GRANT SET ON PARAMETER ${match[1]} TO ${user}`;
    } else if (/must be superuser to alter settings globally/.test(message) || /may alter settings globally/.test(detail)) {
        advice = `ALTER ROLE ALL needs a superuser, and ${user} is not one. Fix: declare the setting per database or per role`;
    } else if (/permission denied to alter role/.test(message)) {
        // 16+: "Only roles with the CREATEROLE attribute and the ADMIN option on role "r" may alter this role."
        const role = detail.match(/ADMIN option on role "(.*)" may alter this role/s)?.[1];
        const grant = `GRANT ${role === undefined ? "<role>" : escapeIdentifier(role)} TO ${escapeIdentifier(context.user)} WITH ADMIN OPTION`;
        advice =
            `${user} may not alter ${role === undefined ? "that role" : `role ${JSON.stringify(role)}`}: PostgreSQL 16+ requires ADMIN OPTION on it ` +
            `(implicit only for roles ${user} created). Fix: ${grant}, run by a superuser or a role that holds ADMIN OPTION on it; ` +
            `or declare the setting per database instead`;
    } else if (err.code === "28P01" || err.code === "28000") {
        advice = `the server refused ${user}'s login: check the connection's user and password (a rotated password must reach the connection input)`;
    } else if (err.code === "3D000") {
        advice = `the connection's database does not exist: set connection.database to an existing database (Aiven: "defaultdb")`;
    } else if (err.code === "55P03") {
        const on = err.where ? ` (${err.where.split("\n")[0]})` : "";
        advice =
            `waited ${SESSION_BOUNDS.lockTimeoutSeconds} s (lock_timeout) for a lock another session holds${on}: an open transaction that changed the same role, ` +
            `database or table privileges. Fix: end that transaction (find it with SELECT pid, usename, state, xact_start, query FROM pg_stat_activity ` +
            `WHERE state LIKE 'idle in transaction%' OR wait_event_type = 'Lock'), then run pulumi up again`;
    } else if (err.code === "57014" && /statement timeout/.test(message)) {
        advice =
            `a statement ran longer than ${SESSION_BOUNDS.statementTimeoutSeconds} s (statement_timeout); the server is overloaded or blocked. ` +
            `Fix: look at pg_stat_activity for what holds it up, then run pulumi up again`;
    } else if (err.code === "22023" && /invalid value for parameter/.test(message)) {
        advice = `the server refused the value${err.detail ? ` (${err.detail})` : ""}; fix the setting's value`;
    }
    const text = advice ? `${context.action} failed: ${message}: ${advice}` : `${context.action} failed: ${message}`;
    return new PgAuditSettingError(text, err.code);
}

/** Socket-level errors that mean "not reachable yet", worth retrying while a service starts. */
const TRANSIENT_NETWORK_CODES = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "ECONNRESET", "ETIMEDOUT", "EHOSTUNREACH", "ENETUNREACH"]);
/** SQLSTATEs of a server that is starting, shutting down or full. */
const TRANSIENT_SQLSTATES = new Set(["57P03", "57P01", "53300"]);

/** True when a connection attempt may succeed if tried again shortly. */
export function isTransientConnectError(err: unknown): boolean {
    const code = (err as { code?: unknown } | null)?.code;
    if (typeof code !== "string") {
        return err instanceof Error && /Connection terminated unexpectedly|timeout expired/i.test(err.message);
    }
    return TRANSIENT_NETWORK_CODES.has(code) || TRANSIENT_SQLSTATES.has(code);
}
