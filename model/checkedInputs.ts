/**
 * A resource's provider-CHECKED inputs, read the way a gate must: what the engine hands the policy
 * pack, and what `pulumi preview --json` prints (`pgaudit-review`). Not the program's objects:
 * PgAuditScopes' `scopes` is the JSON text of the map its check writes (`{"role/app": "log=write; logCatalog=true"}`;
 * state of earlier versions holds the map itself),
 * or the program's list while a value in it is unknown at preview. An unknown value throws when
 * touched (the analyzer's proxy; @pulumi/policy turns that throw into an advisory note, a pass)
 * or is the engine's sentinel (preview --json); a secret is `[secret]` in preview --json. Every
 * read here says what could not be read, so that its callers fail closed.
 */
import { UNKNOWN } from "./inputFailures";
import { settingsSchema } from "./settingsSchema";
import { describeGroup, describeScope, isGroupScope, parseGroupKey, parseScopeId, type GroupScope } from "./scope";
import type { SettingValues } from "./settings";
import { decodeSettingsText, settingsMapOf } from "./settingsText";
import type { Scope } from "./scope";

/** Why a value the analyzer's proxy would not hand over is unreadable. */
export const UNKNOWN_AT_PREVIEW = "is unknown at preview";
/** How `pulumi preview --json` prints a secret without --show-secrets. */
const SECRET_IN_PREVIEW = "[secret]";

/** A value the pack could not read: unknown at preview, or not of the shape the resource's check writes. */
export class Unreadable {
    constructor(
        /** The property path, as messages name it: `scopes["role/app"]`, `pgUserConfig.pgaudit`. */
        readonly at: string,
        /** Why: "is unknown at preview", "is not …". */
        readonly why: string,
    ) {}
}

/** One scope's declared settings, as read from a resource's checked inputs. */
export interface DeclaredScope {
    /** The property that holds the settings, for messages and fixes: `settings`, `scopes["role/app"]`. */
    readonly at: string;
    /** Which scope (for a group scope, every login member of the group); Unreadable when a name is unknown at preview. */
    readonly scope: Scope | GroupScope | Unreadable;
    /** The settings; Unreadable when unknown or not settings this package writes. */
    readonly settings: SettingValues | Unreadable;
}

const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);

/**
 * A plain copy of `value` with every value that cannot be read replaced by an Unreadable: the
 * analyzer's proxy throws on an unknown, the raw sentinel is the wire form of one.
 */
export function plainCopy(value: unknown, at: string): unknown {
    if (value === UNKNOWN) return new Unreadable(at, UNKNOWN_AT_PREVIEW);
    if (value === SECRET_IN_PREVIEW) return new Unreadable(at, "is a secret the preview does not show (--show-secrets shows it)");
    if (value === null || typeof value !== "object") return value;
    const read = (key: string | number, path: string) => {
        try {
            return plainCopy((value as Record<string | number, unknown>)[key], path);
        } catch {
            return new Unreadable(path, UNKNOWN_AT_PREVIEW);
        }
    };
    if (Array.isArray(value)) return Array.from({ length: value.length }, (_, i) => read(i, `${at}[${i}]`));
    return Object.fromEntries(Object.keys(value).map((key) => [key, read(key, at === "" ? key : `${at}.${key}`)]));
}

/** The first Unreadable inside a copied value, if any. */
export function firstUnreadable(value: unknown): Unreadable | undefined {
    if (value instanceof Unreadable) return value;
    if (value === null || typeof value !== "object") return undefined;
    for (const v of Object.values(value)) {
        const found = firstUnreadable(v);
        if (found) return found;
    }
    return undefined;
}

/** A property of the resource's inputs, read fail-closed. */
export function readProperty(props: Record<string, unknown>, key: string): unknown {
    try {
        return plainCopy(props[key], key);
    } catch {
        return new Unreadable(key, UNKNOWN_AT_PREVIEW);
    }
}

function settingsAt(at: string, value: unknown): SettingValues | Unreadable {
    const unreadable = firstUnreadable(value);
    if (unreadable) return unreadable;
    const parsed = settingsSchema.safeParse(value);
    return parsed.success ? parsed.data : new Unreadable(at, "is not a pgaudit settings object");
}

function nameAt(at: string, value: unknown): string | undefined | Unreadable {
    if (value instanceof Unreadable || value === undefined) return value;
    return typeof value === "string" && value !== "" ? value : new Unreadable(at, "is not a role or database name");
}

function scopeOf(database: string | undefined | Unreadable, role: string | undefined | Unreadable, at: string): Scope | Unreadable {
    if (database instanceof Unreadable) return database;
    if (role instanceof Unreadable) return role;
    if (database === undefined && role === undefined) return new Unreadable(at, "names no database and no role");
    return { ...(database !== undefined ? { database } : {}), ...(role !== undefined ? { role } : {}) };
}

/** PgAuditSetting's one scope: `{ database?, role?, settings }`. */
export function settingScopes(props: Record<string, unknown>): DeclaredScope[] {
    const database = nameAt("database", readProperty(props, "database"));
    const role = nameAt("role", readProperty(props, "role"));
    return [{ at: "settings", scope: scopeOf(database, role, "database/role"), settings: settingsAt("settings", readProperty(props, "settings")) }];
}

/** One entry of a map check writes (key → settings line), read fail-closed. */
function mapEntry(at: string, scope: Scope | GroupScope | Unreadable, line: unknown): DeclaredScope {
    if (line instanceof Unreadable) return { at, scope, settings: line };
    let settings: SettingValues | Unreadable;
    try {
        settings = typeof line === "string" ? settingsAt(at, decodeSettingsText(line)) : new Unreadable(at, "is not a settings line");
    } catch {
        settings = new Unreadable(at, "is not a settings line this package writes (log=ddl,role; logCatalog=true)");
    }
    return { at, scope, settings };
}

/** One entry of the program's list, read fail-closed; `scopeOfEntry` names the scope it declares. */
function listEntries(
    property: string,
    list: unknown[],
    what: string,
    scopeOfEntry: (entry: Record<string, unknown>, at: string) => Scope | GroupScope | Unreadable,
): DeclaredScope[] {
    return list.map((entry, i): DeclaredScope => {
        const at = `${property}[${i}]`;
        if (entry instanceof Unreadable) return { at, scope: entry, settings: entry };
        if (!isRecord(entry)) {
            const why = new Unreadable(at, `is not a ${what} entry`);
            return { at, scope: why, settings: why };
        }
        return { at: `${at}.settings`, scope: scopeOfEntry(entry, at), settings: settingsAt(`${at}.settings`, entry.settings) };
    });
}

const NOT_SCOPES = "is neither the scope text PgAuditScopes' check writes nor a list of scopes";

/**
 * PgAuditScopes' scopes and group scopes: the maps its check writes (scope key or group key →
 * settings line; the scopes as their JSON text), or, while a value in one is unknown at preview,
 * the program's list. A group scope's settings reach every login member of the group, so a gate
 * judges it like a scope.
 */
export function scopesScopes(props: Record<string, unknown>): DeclaredScope[] | Unreadable {
    const scopes = readProperty(props, "scopes");
    if (scopes instanceof Unreadable) return scopes;
    let declared: DeclaredScope[];
    if (Array.isArray(scopes)) {
        declared = listEntries("scopes", scopes, "{ database?, role?, settings }", (entry, at) =>
            scopeOf(nameAt(`${at}.database`, entry.database), nameAt(`${at}.role`, entry.role), at),
        );
    } else if (isRecord(scopes) || typeof scopes === "string") {
        const map = settingsMapOf(scopes);
        if (map === undefined) return new Unreadable("scopes", NOT_SCOPES);
        declared = Object.entries(map).map(([key, line]) => {
            const at = `scopes[${JSON.stringify(key)}]`;
            return mapEntry(
                at,
                parseScopeId(key) ?? new Unreadable(at, "is not a scope key this package writes (role/NAME, database/NAME, role/NAME/database/NAME)"),
                line,
            );
        });
    } else return new Unreadable("scopes", NOT_SCOPES);
    const groups = readProperty(props, "groups");
    if (groups === undefined) return declared;
    if (groups instanceof Unreadable) return [...declared, { at: "groups", scope: groups, settings: groups }];
    if (Array.isArray(groups)) {
        return [
            ...declared,
            ...listEntries("groups", groups, "{ group, database?, settings }", (entry, at) => {
                const group = nameAt(`${at}.group`, entry.group);
                const database = nameAt(`${at}.database`, entry.database);
                if (group instanceof Unreadable) return group;
                if (database instanceof Unreadable) return database;
                if (group === undefined) return new Unreadable(at, "names no group");
                return { group, ...(database !== undefined ? { database } : {}) };
            }),
        ];
    }
    if (!isRecord(groups))
        return [
            ...declared,
            {
                at: "groups",
                scope: new Unreadable("groups", "is not the group map PgAuditScopes' check writes"),
                settings: new Unreadable("groups", "is not the group map PgAuditScopes' check writes"),
            },
        ];
    return [
        ...declared,
        ...Object.entries(groups).map(([key, line]) => {
            const at = `groups[${JSON.stringify(key)}]`;
            return mapEntry(
                at,
                parseGroupKey(key) ?? new Unreadable(at, "is not a group key this package writes (group/NAME, group/NAME/database/NAME)"),
                line,
            );
        }),
    ];
}

/** How a scope reads in messages, or what is unknown about it. */
export function scopeWords(scope: Scope | GroupScope | Unreadable): string {
    if (scope instanceof Unreadable) return `${scope.at} ${scope.why}`;
    return isGroupScope(scope) ? describeGroup(scope) : describeScope(scope);
}
