/**
 * PgAuditScopes' check and diff: pure, so that `pulumi preview` never touches a database. Each
 * top-level input that is known is normalized even when another is not (a connection unknown at
 * preview must not turn the scopes back into a list, or every preview would show all of them).
 */
import { sameConnection } from "../core/connectionSpec";
import { checkWith, ownProperties, parseOrThrow, unknownPaths, type CheckOutcome } from "../core/dynamicInputs";
import { pendingUndeclared } from "../core/undeclared";
import { duplicateScopeFailures, scopesInputFailures, scopesInputsSchema, scopesStateSchema, type ScopesState } from "./schema";
import { changedSettingKeys } from "../core/settings";
import { decodeSettingsText } from "../core/settingsText";

/** Validates and normalizes the inputs; all failures at once. `undeclared` is an output, not an input. */
export function checkScopesInputs(news: Record<string, unknown>): CheckOutcome {
    const { undeclared: _output, ...props } = ownProperties(news);
    const checked = checkWith(scopesInputsSchema, props, scopesInputFailures);
    const duplicates = duplicateScopeFailures(props.scopes);
    const outcome = duplicates.length > 0 ? { inputs: props, failures: [...checked.failures, ...duplicates] } : checked;
    if (outcome.failures.length > 0 || unknownPaths(props).length === 0) return outcome;
    const inputs: Record<string, unknown> = { ...props };
    for (const [key, schema] of Object.entries(scopesInputsSchema.shape)) {
        if (unknownPaths(props[key]).length > 0) continue;
        const parsed = schema.safeParse(props[key]);
        if (parsed.success) inputs[key] = parsed.data;
    }
    return { inputs, failures: [] };
}

/** Checked inputs (create, update) and state (read, delete) have the same shape. */
export function parseScopesState(props: Record<string, unknown>): ScopesState {
    return parseOrThrow("PgAuditScopes", scopesStateSchema, props, scopesInputFailures);
}

/** The scope keys whose settings differ by meaning, added or removed; undefined when `news` is not known yet. */
export function changedScopes(olds: unknown, news: unknown): string[] | undefined {
    const isMap = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);
    if (!isMap(olds) || !isMap(news) || unknownPaths(news).length > 0) return undefined;
    const keys = [...new Set([...Object.keys(olds), ...Object.keys(news)])].sort();
    return keys.filter((key) => {
        const a = olds[key];
        const b = news[key];
        if (typeof a !== "string" || typeof b !== "string") return true;
        try {
            return changedSettingKeys(decodeSettingsText(a), decodeSettingsText(b)).length > 0;
        } catch {
            return a !== b;
        }
    });
}

/**
 * Changes when a scope's settings differ by meaning (pgaudit.log as a bitmap), a scope is added
 * or removed, an option or the connection changed (so that delete's credentials stay current), or
 * a refresh found undeclared overrides an exclusive apply would reset. Nothing ever replaces:
 * update moves the server from one declaration to the next in one transaction.
 */
export function diffScopes(olds: Record<string, unknown>, news: Record<string, unknown>): { changes: boolean; changed: string[] } {
    const changed: string[] = [];
    const scopes = changedScopes(olds.scopes, news.scopes);
    if (scopes === undefined || scopes.length > 0) changed.push("scopes");
    if (!sameConnection(olds.connection, news.connection)) changed.push("connection");
    const defaults: Record<string, unknown> = { connectDeadlineSeconds: 60, exclusive: false, onUnresettable: "fail" };
    for (const [key, fallback] of Object.entries(defaults)) {
        if ((olds[key] ?? fallback) !== (news[key] ?? fallback)) changed.push(key);
    }
    if (news.exclusive === true && Array.isArray(olds.undeclared)) {
        const found = scopesStateSchema.shape.undeclared.safeParse(olds.undeclared);
        if (found.success && pendingUndeclared(found.data ?? [], news.onUnresettable ?? "fail").length > 0) changed.push("undeclared");
    }
    return { changes: changed.length > 0, changed };
}
