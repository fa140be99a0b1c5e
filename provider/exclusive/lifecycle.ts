/**
 * PgAuditExclusive's check and diff: pure, so that `pulumi preview` never touches a database.
 * Values unknown at preview (the engine's sentinel) are neither validated nor compared.
 */
import { sameConnection } from "../../model/connectionSpec";
import { checkWith, ownProperties, parseOrThrow, hasUnknown, type CheckOutcome } from "../core/dynamicInputs";
import { sameJson } from "../../model/sameJson";
import { pendingUndeclared } from "../../model/undeclared";
import { exclusiveInputFailures, exclusiveInputsSchema, exclusiveStateSchema, type ExclusiveInputs, type ExclusiveState } from "./schema";

/** Validates and normalizes the inputs; all failures at once. `undeclared` is an output, not an input. */
export function checkExclusiveInputs(news: Record<string, unknown>): CheckOutcome {
    const { undeclared: _output, ...props } = ownProperties(news);
    return checkWith(exclusiveInputsSchema, props, exclusiveInputFailures);
}

export function parseExclusiveInputs(props: Record<string, unknown>): ExclusiveInputs {
    const { undeclared: _output, ...inputs } = ownProperties(props);
    return parseOrThrow("PgAuditExclusive", exclusiveInputsSchema, inputs, exclusiveInputFailures);
}

export function parseExclusiveState(props: Record<string, unknown>): ExclusiveState {
    return parseOrThrow("PgAuditExclusive", exclusiveStateSchema, props, exclusiveInputFailures);
}

function scopeKeys(scopes: unknown): string[] | undefined {
    if (!Array.isArray(scopes) || hasUnknown(scopes)) return undefined;
    return [...new Set(scopes.map((s) => JSON.stringify([(s as DeclaredLike)?.database ?? null, (s as DeclaredLike)?.role ?? null])))].sort();
}
type DeclaredLike = { database?: unknown; role?: unknown } | null | undefined;

/**
 * Changes when the inputs changed, or when the last refresh found undeclared overrides that an
 * apply would act on: that is how drift turns into an update. Nothing ever replaces.
 */
export function diffExclusive(olds: Record<string, unknown>, news: Record<string, unknown>): { changes: boolean; changed: string[] } {
    const changed: string[] = [];
    const oldScopes = scopeKeys(olds.declaredScopes);
    const newScopes = scopeKeys(news.declaredScopes);
    if (oldScopes === undefined || newScopes === undefined || !sameJson(oldScopes, newScopes)) changed.push("declaredScopes");
    if (!sameConnection(olds.connection, news.connection)) changed.push("connection");
    if ((olds.onUnresettable ?? "fail") !== (news.onUnresettable ?? "fail")) changed.push("onUnresettable");
    if ((olds.connectDeadlineSeconds ?? 60) !== (news.connectDeadlineSeconds ?? 60)) changed.push("connectDeadlineSeconds");
    const found = exclusiveStateSchema.shape.undeclared.safeParse(olds.undeclared);
    if (found.success && pendingUndeclared(found.data, news.onUnresettable ?? "fail").length > 0) changed.push("undeclared");
    return { changes: changed.length > 0, changed };
}
