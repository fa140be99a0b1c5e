/**
 * What exclusive mode declares and keeps in state, shared by PgAuditExclusive and PgAuditScopes:
 * the declared scopes, the undeclared overrides, what to do with one the connecting role cannot
 * reset, and which of them the next apply acts on. Nothing here loads node-postgres: the
 * component reaches this file through PgAuditScopes' schema, and the component loads no
 * PostgreSQL client (the rules that build SQL are in exclusiveMode.ts).
 */
import { z } from "zod";
import { pgNameSchema } from "./settingsSchema";

/** A scope the stack declares (where one of its PgAuditSetting resources lives). */
export const declaredScopeSchema = z
    .strictObject({
        database: pgNameSchema.optional(),
        role: pgNameSchema.optional(),
    })
    .refine((s) => s.database !== undefined || s.role !== undefined, {
        message: "set database, role, or both: a declared scope is where one of the stack's PgAuditSetting resources keeps its settings",
    });

/** What create/update do when an undeclared override cannot be reset by the connecting role. */
export const ON_UNRESETTABLE = ["fail", "report"] as const;

/** A pgaudit override at a scope the stack does not declare. No database and no role: ALTER ROLE ALL. */
export const undeclaredOverrideSchema = z.object({
    database: z.string().optional(),
    role: z.string().optional(),
    name: z.string(),
    value: z.string(),
    /** Whether the connecting role may RESET it. */
    resettable: z.boolean(),
    /** Why it cannot be reset, and what would fix that. */
    reason: z.string().optional(),
});

/** A declared scope, checked. */
export type DeclaredScope = z.output<typeof declaredScopeSchema>;
/** A pgaudit override at a scope the stack does not declare. */
export type UndeclaredOverride = z.output<typeof undeclaredOverrideSchema>;
/** What to do with an override the connecting role cannot reset: fail, or report. */
export type OnUnresettable = (typeof ON_UNRESETTABLE)[number];

/** The undeclared overrides the next apply would act on: all of them under "fail" (it fails on the rest), the resettable ones under "report". */
export function pendingUndeclared(undeclared: readonly UndeclaredOverride[], onUnresettable: unknown): UndeclaredOverride[] {
    return onUnresettable === "report" ? undeclared.filter((o) => o.resettable) : [...undeclared];
}
