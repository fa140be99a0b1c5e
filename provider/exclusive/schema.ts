/**
 * The inputs and state of PgAuditExclusive, as zod schemas: the one source of their types and of
 * the messages `pulumi preview` shows. Validation never touches a database.
 */
import { z } from "zod";
import { connectDeadlineSchema, connectionSchema } from "../../model/connectionSpec";
import { declaredScopeSchema, ON_UNRESETTABLE, undeclaredOverrideSchema } from "../../model/undeclared";
import { inputFailures, resourceKeys, type InputFailure } from "../../model/inputFailures";

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
    connectDeadlineSeconds: connectDeadlineSchema,
};

export const exclusiveInputsSchema = z.strictObject(inputsShape);

/** A resource's state: its inputs plus what was found undeclared at the last apply or refresh. */
export const exclusiveStateSchema = z.object({ ...inputsShape, undeclared: z.array(undeclaredOverrideSchema).default([]) });

export type ExclusiveInputs = z.output<typeof exclusiveInputsSchema>;
export type ExclusiveState = z.output<typeof exclusiveStateSchema>;

const knownKeys = resourceKeys(Object.keys(inputsShape), (at) => (/^declaredScopes\[\d+\]$/.test(at) ? ["database", "role"] : undefined));

/** zod issues as Pulumi check failures: the property and the fix, never the value. */
export function exclusiveInputFailures(error: z.ZodError): InputFailure[] {
    return inputFailures(error, { knownKeys });
}
