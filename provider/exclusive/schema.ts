/**
 * The inputs and state of PgAuditExclusive, as zod schemas: the one source of their types and of
 * the messages `pulumi preview` shows. Validation never touches a database.
 */
import { z } from "zod";
import { connectionSchema } from "../core/connectionSpec";
import { declaredScopeSchema, ON_UNRESETTABLE, undeclaredOverrideSchema } from "../core/undeclared";
import { propertyPath, type InputFailure } from "../core/schema";

const inputsShape = {
    /** Where the overrides live: a PostgreSQL URI or connection object. Secret. */
    connection: connectionSchema,
    /** Every scope the stack declares; pgaudit overrides anywhere else are reset. */
    declaredScopes: z.array(declaredScopeSchema, { error: 'must be a list of scopes, e.g. [{ database: "shop" }, { role: "app" }]' }),
    /**
     * "fail" (default): refuse to change anything while an undeclared override cannot be reset
     * (so exclusivity is never claimed where it does not hold). "report": reset what can be, and
     * keep the rest listed in `undeclared`.
     */
    onUnresettable: z.enum(ON_UNRESETTABLE, { error: `must be one of ${ON_UNRESETTABLE.join(", ")}` }).default("fail"),
    /** How long to keep retrying a server that is still starting, in seconds. */
    connectDeadlineSeconds: z
        .number({ error: "must be a number of seconds" })
        .positive("must be more than 0 seconds")
        .max(3600, "must be at most 3600 seconds")
        .default(60),
};

export const exclusiveInputsSchema = z.strictObject(inputsShape);

/** A resource's state: its inputs plus what was found undeclared at the last apply or refresh. */
export const exclusiveStateSchema = z.object({ ...inputsShape, undeclared: z.array(undeclaredOverrideSchema).default([]) });

export type ExclusiveInputs = z.output<typeof exclusiveInputsSchema>;
export type ExclusiveState = z.output<typeof exclusiveStateSchema>;

const KNOWN_KEYS: Record<string, readonly string[]> = {
    "": ["connection", "declaredScopes", "onUnresettable", "connectDeadlineSeconds"],
    connection: ["host", "port", "user", "password", "database", "sslMode", "caCert"],
};

/** zod issues as Pulumi check failures: the property and the fix, never the value. */
export function exclusiveInputFailures(error: z.ZodError): InputFailure[] {
    return error.issues.flatMap((issue) => {
        const at = propertyPath(issue.path);
        if (issue.code === "unrecognized_keys") {
            const known = KNOWN_KEYS[at] ?? (/^declaredScopes\[\d+\]$/.test(at) ? ["database", "role"] : []);
            return issue.keys.map((key) => ({ property: at ? `${at}.${key}` : key, reason: `is not a known property; expected one of ${known.join(", ")}` }));
        }
        if (issue.code === "invalid_type" && at === "connection") {
            return [
                {
                    property: at,
                    reason: "is required: a PostgreSQL URI (postgresql://user:password@host:port/db?sslmode=require) or { host, port, user, password, database, sslMode, caCert }",
                },
            ];
        }
        return [{ property: at, reason: issue.message }];
    });
}
