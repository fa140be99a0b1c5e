/**
 * How PgAuditLogging reports bad input: one error naming every wrong field and its fix, in the
 * terms the program wrote (`databases["shop"].log[1]`). Messages are built from field paths and the
 * schemas' own words, never from a connection, so no password can reach them.
 */
import type { z } from "zod";
import { PgAuditInputError } from "../model/errors";
import { failureLines, fieldPath, inputFailures } from "../model/inputFailures";

/**
 * Bad input to PgAuditLogging or pgAuditUserConfig: the package's one input error, under the name
 * this entry point has always exported.
 * @deprecated Catch `PgAuditInputError`; this is the same class.
 */
export const PgAuditLoggingError = PgAuditInputError;
/** @deprecated The same type as `PgAuditInputError`. */
export type PgAuditLoggingError = PgAuditInputError;

/** What to say about a key the schema does not know. */
export interface KeyHelp {
    /** The keys the object takes, listed in the message. */
    readonly known: readonly string[];
    /** A better sentence for keys people often write by mistake (`log` for `logs`). */
    readonly hints?: Readonly<Record<string, string>>;
}

/** One line per zod issue under `base`: `<field>: <what is wrong and how to fix it>`. */
export function describeIssues(error: z.ZodError, base: string, keys: KeyHelp): string[] {
    return failureLines(
        inputFailures(error, { knownKeys: () => keys.known, keyNoun: "setting", keyHints: keys.hints, path: (path) => fieldPath(base, path) }),
    );
}
