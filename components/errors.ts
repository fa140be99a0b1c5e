/**
 * How PgAuditLogging reports bad input: one error naming every wrong field and its fix. Messages
 * are built from field paths and the schemas' own words, never from a connection, so no password
 * can reach them.
 */
import * as pulumi from "@pulumi/pulumi";
import type { z } from "zod";

/**
 * Bad input to PgAuditLogging or pgAuditUserConfig. A RunError, so the Pulumi CLI prints the
 * message alone, without a stack trace, and the preview fails.
 */
export class PgAuditLoggingError extends pulumi.RunError {
    /** Each problem found: `<field>: <what is wrong and how to fix it>`. */
    readonly problems: readonly string[];

    constructor(subject: string, problems: readonly string[]) {
        super(`${subject}: ${problems.join("; ")}`);
        this.name = "PgAuditLoggingError";
        this.problems = problems;
    }
}

/** What to say about a key the schema does not know. */
export interface KeyHelp {
    /** The keys the object takes, listed in the message. */
    readonly known: readonly string[];
    /** A better sentence for keys people often write by mistake (`log` for `logs`). */
    readonly hints?: Readonly<Record<string, string>>;
}

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** `databases["shop"].log[1]`: the field as the user wrote it in TypeScript. */
export function fieldPath(base: string, path: readonly PropertyKey[]): string {
    return path.reduce<string>((acc, part) => {
        if (typeof part === "number") return `${acc}[${part}]`;
        const key = String(part);
        if (acc === "") return key;
        return IDENTIFIER.test(key) ? `${acc}.${key}` : `${acc}[${JSON.stringify(key)}]`;
    }, base);
}

/** One line per zod issue: `<field>: <what is wrong and how to fix it>`. */
export function describeIssues(error: z.ZodError, base: string, keys: KeyHelp): string[] {
    const lines: string[] = [];
    for (const issue of error.issues) {
        if (issue.code === "unrecognized_keys") {
            for (const key of issue.keys) {
                const hint = keys.hints?.[key] ?? `is not a known setting; expected one of ${keys.known.join(", ")}`;
                lines.push(`${fieldPath(base, [...issue.path, key])}: ${hint}`);
            }
        } else {
            lines.push(`${fieldPath(base, issue.path)}: ${issue.message}`);
        }
    }
    return lines;
}
