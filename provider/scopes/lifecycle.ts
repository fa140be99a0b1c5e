/**
 * PgAuditScopes' check and diff: pure, so that `pulumi preview` never touches a database. Each
 * top-level input that is known is normalized even when another is not (a connection unknown at
 * preview must not turn the scopes back into a list, or every preview would show all of them).
 */
import type { z } from "zod";
import { sameConnection } from "../../model/connectionSpec";
import { checkWith, ownProperties, parseOrThrow, hasUnknown, type CheckOutcome } from "../core/dynamicInputs";
import { sameJson } from "../../model/sameJson";
import { pendingUndeclared } from "../../model/undeclared";
import { duplicateScopeFailures, scopesInputFailures, scopesInputsSchemaFor, scopesStateSchema, type ScopesState } from "./schema";
import { changedSettingKeys } from "../../model/settings";
import { decodeSettingsText, settingsMapOf } from "../../model/settingsText";
import { UNKNOWN } from "../../model/inputFailures";
import { serverChanged } from "../../model/ownership";
import { carriedMembers, membersDrifted } from "./groups";

/**
 * Validates and normalizes the inputs; all failures at once. `undeclared`, `members` and
 * `leavers` are outputs, not inputs; with `olds` (the last inputs), the members known so far are
 * carried at the values their groups now give them (groups.ts carriedMembers).
 */
export function checkScopesInputs(news: Record<string, unknown>, olds?: Record<string, unknown>): CheckOutcome {
    const outcome = checkDeclaration(news);
    const groups = outcome.inputs.groups;
    if (outcome.failures.length > 0 || groups === null || typeof groups !== "object" || hasUnknown(groups)) return outcome;
    const members = carriedMembers(olds?.members, groups as Record<string, string>);
    return members ? { ...outcome, inputs: { ...outcome.inputs, members } } : outcome;
}

function checkDeclaration(news: Record<string, unknown>): CheckOutcome {
    const { undeclared: _output, ownerId: _id, members: _members, leavers: _leavers, ...props } = ownProperties(news);
    const schema = scopesInputsSchemaFor(props.scopes);
    const checked = checkWith(schema, props, scopesInputFailures);
    const duplicates = duplicateScopeFailures(props.scopes);
    const outcome = duplicates.length > 0 ? { inputs: props, failures: [...checked.failures, ...duplicates] } : checked;
    if (outcome.failures.length > 0 || !hasUnknown(props)) return outcome;
    const inputs: Record<string, unknown> = { ...props };
    for (const [key, field] of Object.entries(schema.shape)) {
        if (hasUnknown(props[key])) continue;
        const parsed = (field as z.ZodType).safeParse(props[key]);
        // An absent optional input stays absent: the engine's wire form has no undefined.
        if (parsed.success && parsed.data !== undefined) inputs[key] = parsed.data;
    }
    return { inputs, failures: [] };
}

/** Checked inputs (create, update) and state (read, delete) have the same shape. */
export function parseScopesState(props: Record<string, unknown>): ScopesState {
    return parseOrThrow("PgAuditScopes", scopesStateSchema, props, scopesInputFailures);
}

/**
 * Whether any scope's settings differ by meaning, or a scope was added or removed; true when
 * `news` is not known yet. The same text is no change; otherwise it stops at the first
 * difference, and equal lines need no decoding: at 10,000 scopes a diff that decodes every line
 * costs more than the rest of the engine's step. Either side may be the text or a map (state
 * written before the text, and the group maps).
 */
function scopesDiffer(olds: unknown, news: unknown): boolean {
    if (typeof news === "string" && news !== UNKNOWN && olds === news) return false;
    const before = settingsMapOf(olds);
    const after = news === UNKNOWN ? undefined : settingsMapOf(news);
    if (before === undefined || after === undefined || hasUnknown(after)) return true;
    const oldKeys = Object.keys(before);
    if (oldKeys.length !== Object.keys(after).length) return true;
    return oldKeys.some((key) => {
        const a = before[key];
        const b = after[key];
        if (a === b && typeof a === "string") return false;
        if (typeof a !== "string" || typeof b !== "string") return true;
        try {
            return changedSettingKeys(decodeSettingsText(a), decodeSettingsText(b)).length > 0;
        } catch {
            return true;
        }
    });
}

/**
 * Changes when a scope's settings differ by meaning (pgaudit.log as a bitmap), a scope is added
 * or removed, an option or the connection changed (so that delete's credentials stay current), or
 * a refresh found undeclared overrides an exclusive apply would reset, or the owner label changed.
 * Only a connection to another server replaces (the new server's create claims and adopt-checks
 * every scope, then the old resource's delete resets them on the old one); anything else is an
 * update that moves the server from one declaration to the next in one transaction.
 */
export function diffScopes(olds: Record<string, unknown>, news: Record<string, unknown>): { changes: boolean; changed: string[]; replaces: string[] } {
    const changed: string[] = [];
    const replaces = serverChanged(olds.connection, news.connection) ? ["connection"] : [];
    if (scopesDiffer(olds.scopes, news.scopes)) changed.push("scopes");
    if (scopesDiffer(olds.groups ?? {}, news.groups ?? {}) || membersDrifted(olds, news.groups)) changed.push("groups");
    if (!sameConnection(olds.connection, news.connection)) changed.push("connection");
    const defaults: Record<string, unknown> = { connectDeadlineSeconds: 60, exclusive: false, onUnresettable: "fail" };
    if (!sameJson(olds.owner, news.owner)) changed.push("owner");
    for (const [key, fallback] of Object.entries(defaults)) {
        if ((olds[key] ?? fallback) !== (news[key] ?? fallback)) changed.push(key);
    }
    if (news.exclusive === true && Array.isArray(olds.undeclared)) {
        const found = scopesStateSchema.shape.undeclared.safeParse(olds.undeclared);
        if (found.success && pendingUndeclared(found.data ?? [], news.onUnresettable ?? "fail").length > 0) changed.push("undeclared");
    }
    return { changes: changed.length > 0, changed, replaces };
}
