/**
 * A scope allowed to be weaker than a baseline, with the reason auditors read: one shape for the
 * component's `exceptions`, the policy pack's configuration and `pgaudit-posture --exceptions`.
 */
import { z } from "zod";
import { pgNameSchema } from "../model/settingsSchema";

/** A scope allowed to be weaker than the baseline, and why. */
export const baselineExceptionSchema = z
    .strictObject({
        /** The role of the excused scope, as in `roles` or `roleDatabases`. */
        role: pgNameSchema.optional(),
        /** The database of the excused scope, as in `databases` or `roleDatabases`. */
        database: pgNameSchema.optional(),
        /** Why the scope may be weaker: recorded in the `baseline` output for auditors. */
        reason: z
            .string({ error: "is required: say why this scope may be weaker than the baseline" })
            .trim()
            .min(1, "must say why (it is recorded for auditors)"),
    })
    .refine((e) => e.role !== undefined || e.database !== undefined, { message: "name the scope: role, database, or both (role in database)" });
/** A scope allowed to be weaker than the baseline, with the reason auditors will read. */
export type BaselineException = z.input<typeof baselineExceptionSchema>;
