/**
 * The inputs and state of PgAuditObjectAudit, as zod schemas: the one source of their types and
 * of the messages `pulumi preview` shows. Validation never touches a database.
 */
import { z } from "zod";
import { connectDeadlineSchema, connectionSchema } from "../../model/connectionSpec";
import { inputFailures, resourceKeys, type InputFailure } from "../../model/inputFailures";
import { adoptSchema, ownerIdSchema, ownerLabelSchema } from "../../model/ownership";
import { formatTableName, OBJECT_PRIVILEGES, parseTableName } from "../../model/objectAudit";
import { pgNameSchema } from "../../model/settingsSchema";

const nameProblem = (s: string) => pgNameSchema.safeParse(s).error?.issues[0]?.message;

const tableSchema = z.string({ error: 'must be "schema.table", e.g. "public.cards"' }).transform((text, ctx) => {
    const parsed = parseTableName(text);
    if ("error" in parsed) {
        ctx.addIssue({ code: "custom", message: parsed.error });
        return z.NEVER;
    }
    for (const [what, part] of [
        ["schema", parsed.schema],
        ["table", parsed.table],
    ] as const) {
        const problem = nameProblem(part);
        if (problem) ctx.addIssue({ code: "custom", message: `the ${what} name ${problem}` });
    }
    return formatTableName(parsed);
});

const sortedUnique = <T extends string>(items: readonly T[]) => [...new Set(items)].sort();

/** One entry of `objects`: which statements on a table (or some of its columns) are audited. */
export const objectEntrySchema = z
    .strictObject({
        /** `schema.table` (a view, materialized view or foreign table works too). */
        table: tableSchema,
        /** The statements audited: select, insert, update, delete. */
        privileges: z
            .array(z.enum(OBJECT_PRIVILEGES, { error: `must be one of ${OBJECT_PRIVILEGES.join(", ")} (lowercase)` }), {
                error: `must be a list of ${OBJECT_PRIVILEGES.join(", ")}, e.g. ["select", "update"]`,
            })
            .min(1, `must list at least one of ${OBJECT_PRIVILEGES.join(", ")}`)
            .transform(sortedUnique),
        /** Only these columns (select, insert, update only): `SELECT pan` is audited, `SELECT id` is not. */
        columns: z
            .array(pgNameSchema, { error: 'must be a list of column names, e.g. ["pan"]' })
            .min(1, "must list at least one column, or be left out to audit the whole table")
            .transform(sortedUnique)
            .optional(),
    })
    .superRefine((entry, ctx) => {
        if (entry.columns !== undefined && entry.privileges.includes("delete")) {
            ctx.addIssue({
                code: "custom",
                path: ["privileges"],
                message: 'PostgreSQL grants delete on whole tables only: move "delete" to an entry without columns',
            });
        }
    });

function compareEntries(a: ObjectEntry, b: ObjectEntry): number {
    const key = (e: ObjectEntry) => JSON.stringify([e.table, e.columns ?? null, e.privileges]);
    return key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0;
}

const objectsSchema = z
    .array(objectEntrySchema, { error: 'must be a list of { table: "schema.table", privileges: [...], columns?: [...] }' })
    .transform((entries) => [...entries].sort(compareEntries));

const inputsShape = {
    /** Where to connect: a PostgreSQL URI or connection object. Secret. Its database is replaced by `database`. */
    connection: connectionSchema,
    /** The database whose tables are audited (grants live per database). */
    database: pgNameSchema,
    /** The role `pgaudit.role` names; the privileges granted to it say what is audited. */
    auditRole: pgNameSchema,
    /** Create the audit role (NOLOGIN) when it does not exist. */
    createRole: z.boolean({ error: "must be true or false" }).default(false),
    /** Every audited table; the resource owns all select/insert/update/delete privileges of the audit role in the database. */
    objects: objectsSchema,
    /** Take over privileges the audit role already holds instead of failing at create. */
    adopt: adoptSchema,
    /** How long to keep retrying a server that is still starting, in seconds. */
    connectDeadlineSeconds: connectDeadlineSchema,
    /** Which stack and resource this is, for the owner record (set by the resource class). */
    owner: ownerLabelSchema.optional(),
};

export const objectAuditInputsSchema = z.strictObject(inputsShape);

/**
 * State: the inputs (objects as last found), whether this resource created the audit role, and
 * the owner id create gave it (absent in state older than owner records).
 */
export const objectAuditStateSchema = z.object({ ...inputsShape, roleCreated: z.boolean().default(false), ownerId: ownerIdSchema.optional() });

/** One audited object as written: a table, its privileges, optional columns. */
export type ObjectEntryInput = z.input<typeof objectEntrySchema>;
/** One audited object, checked. */
export type ObjectEntry = z.output<typeof objectEntrySchema>;
export type ObjectAuditInputs = z.output<typeof objectAuditInputsSchema>;

const knownKeys = resourceKeys(Object.keys(inputsShape), (at) => (/^objects\[\d+\]$/.test(at) ? ["table", "privileges", "columns"] : undefined));

/** zod issues as Pulumi check failures: the property and the fix, never the value. */
export function objectAuditInputFailures(error: z.ZodError): InputFailure[] {
    return inputFailures(error, { knownKeys });
}
