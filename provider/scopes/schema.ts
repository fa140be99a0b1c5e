/**
 * The inputs and state of PgAuditScopes, as zod schemas: the one source of their types and of the
 * messages `pulumi preview` shows. Users write a list of `{ database?, role?, settings }`; check
 * turns it into what state keeps, a map from scope key (`role/app/database/shop`) to one line of
 * settings text (`log=ddl,role`), held as one JSON text (settingsText.ts encodeSettingsMapText):
 * one string for the engine to move, and still one line a changed scope in `pulumi preview --diff`.
 */
import { z } from "zod";
import { connectDeadlineSchema, connectionSchema } from "../../model/connectionSpec";
import { ON_UNRESETTABLE, undeclaredOverrideSchema } from "../../model/undeclared";
import { inputFailures, resourceKeys, UNKNOWN, type InputFailure } from "../../model/inputFailures";
import { pgNameSchema, settingsSchema } from "../../model/settingsSchema";
import { describeScope, parseScopeId, scopeId } from "../../model/scope";
import { SETTING_KEYS, type SettingValues } from "../../model/settings";
import { decodeSettingsMap, encodeSettingsMapText, encodeSettingsText, normalizeSettingsMap, settingsMapOf } from "../../model/settingsText";
import type { Scope } from "../../model/scope";
import { adoptSchema, ownerIdSchema, ownerLabelSchema } from "../../model/ownership";
import { groupsInputSchema, groupsStateSchema, memberMapSchema } from "./groups";

/** One declared scope as the user writes it. */
const scopeEntrySchema = z
    .strictObject({
        /** The database scope; with `role`, the role-in-database scope. */
        database: pgNameSchema.optional(),
        /** The role scope; with `database`, the role-in-database scope. */
        role: pgNameSchema.optional(),
        /** The scope's pgaudit settings, as PgAuditSetting takes them. */
        settings: settingsSchema,
    })
    .refine((s) => s.database !== undefined || s.role !== undefined, {
        message: "set database, role, or both (role in database) to say which scope the settings apply to",
    });

/** The list as the text state keeps; scopes declared twice are found by duplicateScopeFailures. */
const scopesListSchema = z
    .array(scopeEntrySchema, { error: 'must be a list of { database?, role?, settings }, e.g. [{ role: "app", settings: { log: ["ddl"] } }]' })
    .transform((entries) => encodeSettingsMapText(Object.fromEntries(entries.map((e) => [scopeId(e), encodeSettingsText(e.settings as SettingValues)]))));

/**
 * A scope declared twice, reported at the second (and later) entry. Run on the list as given, so
 * that it is reported together with every other failure (zod skips refinements of a list whose
 * items fail); entries whose names are not plain strings yet are left out.
 */
export function duplicateScopeFailures(scopes: unknown): InputFailure[] {
    if (!Array.isArray(scopes)) return [];
    const first = new Map<string, number>();
    const failures: InputFailure[] = [];
    scopes.forEach((entry: unknown, index) => {
        if (entry === null || typeof entry !== "object") return;
        const { database, role } = entry as { database?: unknown; role?: unknown };
        const named = (v: unknown) => v === undefined || (typeof v === "string" && v !== "" && v !== UNKNOWN);
        if (!named(database) || !named(role) || (database === undefined && role === undefined)) return;
        const scope = { database: database as string | undefined, role: role as string | undefined };
        const key = scopeId(scope);
        const seen = first.get(key);
        if (seen === undefined) first.set(key, index);
        else
            failures.push({ property: `scopes[${index}]`, reason: `declares ${describeScope(scope)} again (first at scopes[${seen}]); merge the two entries` });
    });
    return failures;
}

const optionsShape = {
    /** Where the settings live: a PostgreSQL URI or connection object. Secret. */
    connection: connectionSchema,
    /** Take over pgaudit settings that already exist at a scope this resource starts to own. */
    adopt: adoptSchema,
    /** How long to keep retrying a server that is still starting, in seconds. */
    connectDeadlineSeconds: connectDeadlineSchema,
    /** Reset every pgaudit.* override at a scope not declared here, in the same transaction. */
    exclusive: z.boolean({ error: "must be true or false" }).default(false),
    /** With exclusive: what to do with an undeclared override the connecting role may not reset. */
    onUnresettable: z.enum(ON_UNRESETTABLE, { error: `must be one of ${ON_UNRESETTABLE.join(", ")}` }).default("fail"),
    /** Which stack and resource this is, for the owner records (set by the resource class). */
    owner: ownerLabelSchema.optional(),
};

/** The inputs a program gives (check's input). */
export const scopesInputsSchema = z.strictObject({ ...optionsShape, scopes: scopesListSchema, groups: groupsInputSchema.optional() });

/**
 * The text check writes, given as input: what PgAuditScopes sends once every scope is known at
 * construction (one string crosses the SDK, the engine and the provider host far faster than
 * 10,000 objects with nested lists, or 10,000 map entries). Check validates it anew: each key
 * must be a scope key and each line settings that pass the settings schema; it comes out
 * normalized. The map itself (what earlier versions sent and kept) is read the same way.
 */
const scopesWireMapSchema = z.unknown().transform((value, ctx) => {
    const map = settingsMapOf(value);
    if (map === undefined) {
        ctx.addIssue({ code: "custom", message: 'is not the scope text PgAuditScopes writes ({"role/app": "log=ddl,role"})' });
        return z.NEVER;
    }
    const { normalized, refused } = normalizeSettingsMap(map, parseScopeId, scopeId);
    for (const key of refused) ctx.addIssue({ code: "custom", path: [key], message: "is not a scope key and settings line (role/app: log=ddl,role)" });
    return encodeSettingsMapText(normalized);
});

/** Check's input when `scopes` is already the text (see scopesWireMapSchema). */
export const scopesMapInputsSchema = z.strictObject({ ...optionsShape, scopes: scopesWireMapSchema, groups: groupsInputSchema.optional() });

/** The schema for the inputs as given: the program's list, or the text (or map) once every scope was known. */
export function scopesInputsSchemaFor(scopes: unknown): typeof scopesInputsSchema | typeof scopesMapInputsSchema {
    const written = (scopes !== null && typeof scopes === "object" && !Array.isArray(scopes)) || (typeof scopes === "string" && scopes !== UNKNOWN);
    return written ? scopesMapInputsSchema : scopesInputsSchema;
}

/** One owned scope, decoded from state. */
export interface OwnedScope {
    readonly key: string;
    readonly scope: Scope;
    readonly settings: SettingValues;
}

/** The text state keeps (or the map of earlier versions), decoded; keys or lines this package did not write are refused. */
const scopesMapSchema = z.unknown().transform((value, ctx): OwnedScope[] => {
    const map = settingsMapOf(value);
    const lines = map && Object.values(map).every((line) => typeof line === "string") ? (map as Record<string, string>) : undefined;
    if (lines === undefined) {
        ctx.addIssue({ code: "custom", message: "is not the scope text this package writes" });
        return z.NEVER;
    }
    const { decoded, refused } = decodeSettingsMap(lines, parseScopeId);
    for (const key of refused) ctx.addIssue({ code: "custom", path: [key], message: "is not a scope and settings line this package wrote" });
    return decoded.map(({ key, at, settings }) => ({ key, scope: at, settings }));
});

/** What check returns and create/update get; also a resource's state (with `undeclared`). */
export const scopesStateSchema = z.object({
    ...optionsShape,
    scopes: scopesMapSchema,
    undeclared: z.array(undeclaredOverrideSchema).optional(),
    /** The id create gave this resource; the owner records of its scopes name it. Absent in state older than owner records. */
    ownerId: ownerIdSchema.optional(),
    /** Group scopes (groups.ts): the declaration, the member scopes each holds, and (refresh) what leavers still hold. */
    groups: groupsStateSchema,
    members: memberMapSchema.optional(),
    leavers: memberMapSchema.optional(),
});

export type ScopesState = z.output<typeof scopesStateSchema>;

const SCOPE = /^scopes\[\d+\]$/;
const SCOPE_SETTINGS = /^scopes\[\d+\]\.settings$/;

const GROUP = /^groups\[\d+\]$/;

const knownKeys = resourceKeys(["connection", "scopes", ...Object.keys(optionsShape).slice(1), "groups"], (at) =>
    SCOPE.test(at) ? ["database", "role", "settings"] : GROUP.test(at) ? ["group", "database", "settings"] : SCOPE_SETTINGS.test(at) ? SETTING_KEYS : undefined,
);

function scopeReason(issue: z.core.$ZodIssue, at: string): string | undefined {
    if (issue.code === "custom" && SCOPE_SETTINGS.test(at))
        return `declare at least one pgaudit setting, e.g. { log: ["ddl", "role"] }; to reset a scope, remove it from scopes`;
    if (issue.code === "invalid_type" && SCOPE_SETTINGS.test(at)) return `is required: an object of pgaudit settings, e.g. { log: ["ddl", "role"] }`;
    if (issue.code === "invalid_type" && SCOPE.test(at)) return `must be { database?, role?, settings }, e.g. { role: "app", settings: { log: ["ddl"] } }`;
    return undefined;
}

/** zod issues as Pulumi check failures: the property (`scopes[3].settings.log[1]`) and the fix, never the value. */
export function scopesInputFailures(error: z.ZodError): InputFailure[] {
    return inputFailures(error, { knownKeys, reason: scopeReason });
}
