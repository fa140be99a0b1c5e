/**
 * PgAuditSetting's inputs and state as zod schemas: the one source of their types and of the
 * messages `pulumi preview` shows for bad input. Validation never touches a database.
 */
import { z } from "zod";
import { connectDeadlineSchema, connectionSchema } from "../../model/connectionSpec";
import { inputFailures, resourceKeys, type InputFailure } from "../../model/inputFailures";
import { adoptSchema, ownerIdSchema, ownerLabelSchema } from "../../model/ownership";
import { SETTING_KEYS } from "../../model/settings";
import { pgNameSchema, settingsObjectSchema, settingsSchema } from "../../model/settingsSchema";

const inputsShape = {
    /** Where the settings live: a PostgreSQL URI or connection object. Secret. */
    connection: connectionSchema,
    /** The database scope: with `role`, the role-in-database scope. */
    database: pgNameSchema.optional(),
    /** The role scope: with `database`, the role-in-database scope. */
    role: pgNameSchema.optional(),
    /** The pgaudit settings of the scope. Keys not declared are reset at the scope. */
    settings: settingsSchema,
    /** Take over pgaudit settings that already exist at the scope instead of failing. */
    adopt: adoptSchema,
    /** How long to keep retrying a server that is still starting, in seconds. */
    connectDeadlineSeconds: connectDeadlineSchema,
    /** Which stack and resource this is, for the owner record (set by the resource class). */
    owner: ownerLabelSchema.optional(),
};

/** The zod schema of PgAuditSetting's inputs, the one source of check's messages. */
export const pgAuditSettingInputsSchema = z.strictObject(inputsShape).refine((i) => i.database !== undefined || i.role !== undefined, {
    message: "set database, role, or both (role in database) to say which scope the settings apply to",
    path: ["database"],
});

/** A resource's state: its inputs plus outputs (which are dropped), settings as last found. */
export const pgAuditSettingStateSchema = z.object({ ...inputsShape, settings: settingsObjectSchema, ownerId: ownerIdSchema.optional() });
/** PgAuditSetting's state: inputs plus the owner id create gave it (absent in state older than owner records). */
export type PgAuditSettingState = z.output<typeof pgAuditSettingStateSchema>;

/** PgAuditSetting's inputs, checked. */
export type PgAuditSettingInputs = z.output<typeof pgAuditSettingInputsSchema>;

const knownKeys = resourceKeys(Object.keys(inputsShape), (at) => (at === "settings" ? SETTING_KEYS : undefined));

/** zod issues as check failures that name the property and say the fix, never the value. */
export function settingInputFailures(error: z.ZodError): InputFailure[] {
    return inputFailures(error, {
        knownKeys,
        reason: (issue, at) =>
            issue.code === "invalid_type" && at === "settings" ? `is required: an object of pgaudit settings, e.g. { log: ["ddl", "role"] }` : undefined,
    });
}
