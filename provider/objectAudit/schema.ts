/**
 * The inputs and state of PgAuditObjectAudit, as zod schemas: the one source of their types and
 * of the messages `pulumi preview` shows. Validation never touches a database.
 */
import { z } from "zod";
import { connectDeadlineSchema, connectionSchema } from "../../model/connectionSpec";
import { inputFailures, resourceKeys, type InputFailure } from "../../model/inputFailures";
import { adoptSchema, ownerIdSchema, ownerLabelSchema } from "../../model/ownership";
import { pgNameSchema } from "../../model/settingsSchema";

/** The privileges pgaudit's object audit looks at (pgaudit.c: SELECT, INSERT, UPDATE, DELETE). */
export const OBJECT_PRIVILEGES = ["select", "insert", "update", "delete"] as const;
/** A privilege object audit can log: select, insert, update or delete. */
export type ObjectPrivilege = (typeof OBJECT_PRIVILEGES)[number];
/** PostgreSQL grants these per column too (DELETE is table-wide only). */
export const COLUMN_PRIVILEGES: readonly ObjectPrivilege[] = ["select", "insert", "update"];

/** A table's schema and name, exactly as stored. */
export interface TableName {
    readonly schema: string;
    readonly table: string;
}

/**
 * Reads `schema.table`. A part is taken exactly as written (no case folding, like every name here),
 * or double-quoted as in SQL (`"my.schema"."odd""name"`) when it holds a dot or a quote.
 */
export function parseTableName(text: string): TableName | { error: string } {
    const parts: string[] = [];
    let i = 0;
    while (parts.length < 2) {
        let part = "";
        if (text[i] === '"') {
            for (i++; ; i++) {
                if (i >= text.length) return { error: 'has an unterminated quoted name; close it with " (write "" for a quote inside)' };
                if (text[i] === '"' && text[i + 1] === '"') {
                    part += '"';
                    i++;
                } else if (text[i] === '"') break;
                else part += text[i];
            }
            i++;
        } else {
            while (i < text.length && text[i] !== ".") {
                if (text[i] === '"') return { error: 'has a quote inside an unquoted name; quote the whole part: "na""me"' };
                part += text[i++];
            }
        }
        if (part === "") return { error: 'must be "schema.table", e.g. "public.cards" (both parts non-empty; quote a part that holds a dot)' };
        parts.push(part);
        if (parts.length === 1) {
            if (text[i] !== ".") return { error: 'must name the schema too: "schema.table", e.g. "public.cards" (the search_path is not consulted)' };
            i++;
        }
    }
    if (i !== text.length) return { error: 'has text after "schema.table"; quote a part that holds a dot, e.g. public."a.b"' };
    return { schema: parts[0], table: parts[1] };
}

const quotePart = (part: string) => (/^[^."]+$/.test(part) ? part : `"${part.replace(/"/g, '""')}"`);

/** The canonical `schema.table` text: a part is quoted only when it holds a dot or a quote. */
export function formatTableName(name: TableName): string {
    return `${quotePart(name.schema)}.${quotePart(name.table)}`;
}

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

const sortedUnique = <T extends string>(items: readonly T[]) => [...new Set(items)].sort() as T[];

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
export type ObjectAuditState = z.output<typeof objectAuditStateSchema>;

const knownKeys = resourceKeys(Object.keys(inputsShape), (at) => (/^objects\[\d+\]$/.test(at) ? ["table", "privileges", "columns"] : undefined));

/** zod issues as Pulumi check failures: the property and the fix, never the value. */
export function objectAuditInputFailures(error: z.ZodError): InputFailure[] {
    return inputFailures(error, { knownKeys });
}
