/**
 * `--exceptions FILE`: scopes allowed to be weaker than the baseline, each with the reason
 * auditors read. An exception names a scope as PgAuditLogging and the policy pack do (`role`,
 * `database`, or both for a role in a database) and excuses exactly the violations whose value
 * that scope's override sets; a value inherited from the server is nobody's scope and is never
 * excused. The excused stay in the report (and its evidence), outside the exit status.
 */
import { z } from "zod";
import { baselineExceptionSchema } from "../baselines/exception";
import type { BaselineExceptionEntry, BaselineResult, BaselineViolation, SettingOrigin } from "./model";

/** A list of exceptions, or the policy pack's configuration file that holds them (one list for both). */
const fileSchema = z.union([
    z.array(baselineExceptionSchema),
    z.object({ "pgaudit-baseline": z.object({ exceptions: z.array(baselineExceptionSchema) }) }).transform((c) => c["pgaudit-baseline"].exceptions),
]);

/** Parses the file's JSON text into exceptions, or says which entry is wrong and how to write it. */
export function parseExceptions(text: string, file: string): { exceptions: BaselineExceptionEntry[] } | { error: string } {
    let data: unknown;
    try {
        data = JSON.parse(text);
    } catch (err) {
        return { error: `--exceptions ${file}: cannot read it as JSON (${(err as Error).message})` };
    }
    // Report the entry's own issues when the file is a list: the union's message would only say "invalid input".
    const list = Array.isArray(data) ? z.array(baselineExceptionSchema).safeParse(data) : fileSchema.safeParse(data);
    if (!list.success) {
        const issue = list.error.issues[0];
        const at = issue.path.length ? issue.path.map((p) => (typeof p === "number" ? `[${p}]` : `.${String(p)}`)).join("") : "(the file)";
        return {
            error:
                `--exceptions ${file}: ${at}: ${issue.message}; expected a list like [{ "role": "loader", "reason": "SEC-123: …" }] ` +
                `or the policy pack's configuration ({ "pgaudit-baseline": { "exceptions": [...] } })`,
        };
    }
    return { exceptions: list.data };
}

/** The scope whose override set the value: the one an exception can name. */
function matches(e: BaselineExceptionEntry, from: SettingOrigin): boolean {
    switch (from.kind) {
        case "role-in-database":
            return e.role === from.role && e.database === from.database;
        case "role":
            return e.role === from.role && e.database === undefined;
        case "database":
            return e.database === from.database && e.role === undefined;
        default:
            return false;
    }
}

/** Moves the violations an exception names out of `violations` into `excused`, and records what each excuses. */
export function applyExceptions(result: BaselineResult, exceptions: readonly BaselineExceptionEntry[]): BaselineResult {
    const excuses = exceptions.map(() => new Set<string>());
    const violations: BaselineViolation[] = [];
    const excused: NonNullable<BaselineResult["excused"]> = [];
    for (const v of result.violations) {
        const index = exceptions.findIndex((e) => matches(e, v.from));
        if (index < 0) violations.push(v);
        else {
            excuses[index].add(v.rule);
            excused.push({ ...v, exception: exceptions[index] });
        }
    }
    return {
        ...result,
        violations,
        exceptions: exceptions.map((e, i) => ({ ...e, excuses: [...excuses[i]] })),
        excused,
    };
}
