/**
 * How a scope is named. In messages: `role "x" in database "app"`. As one short, reversible string: `database/shop`, `role/app`, `role/app/database/shop`.
 * It is PgAuditSetting's id and PgAuditScopes' key in state, so a stack that switches from one to
 * the other keeps naming each scope the same way. Names are percent-encoded, so any name
 * (slashes, quotes, newlines) round-trips.
 */
/** A database, a role, or a role in a database: where `ALTER … SET` stores a setting. */
export interface Scope {
    readonly database?: string;
    readonly role?: string;
}

/** The stable id of a scope, names percent-encoded: role/app/database/shop. */
export function scopeId(scope: Scope): string {
    const parts: string[] = [];
    if (scope.role !== undefined) parts.push(`role/${encodeURIComponent(scope.role)}`);
    if (scope.database !== undefined) parts.push(`database/${encodeURIComponent(scope.database)}`);
    return parts.join("/");
}

const SCOPE_ID = /^(?:role\/([^/]*))?(?:\/?database\/([^/]*))?$/;

/** The scope a key names, or undefined when the text is not one scopeId wrote. */
export function parseScopeId(id: string): Scope | undefined {
    const m = SCOPE_ID.exec(id);
    if (!m || (m[1] === undefined && m[2] === undefined)) return undefined;
    try {
        const scope: Scope = {
            ...(m[2] !== undefined ? { database: decodeURIComponent(m[2]) } : {}),
            ...(m[1] !== undefined ? { role: decodeURIComponent(m[1]) } : {}),
        };
        return scopeId(scope) === id ? scope : undefined;
    } catch {
        return undefined;
    }
}

/** How a scope reads in messages: `database "app"`, `role "x" in database "app"`. */
export function describeScope(scope: Scope): string {
    const role = scope.role !== undefined ? `role ${JSON.stringify(scope.role)}` : undefined;
    const database = scope.database !== undefined ? `database ${JSON.stringify(scope.database)}` : undefined;
    return role && database ? `${role} in ${database}` : (role ?? database ?? "no scope");
}

/**
 * Encodes a PostgreSQL name for a resource name: letters, digits, `_` and `.` stay, every other
 * byte becomes `%XX`. `-` is encoded too, so `role "a-db-b"` and `role "a" in database "b"` can
 * never share a name, and `::` (the URN separator) cannot appear.
 */
export function encodeNamePart(name: string): string {
    let out = "";
    for (const byte of Buffer.from(name, "utf8")) {
        const ch = String.fromCharCode(byte);
        out += /[A-Za-z0-9_.]/.test(ch) ? ch : `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
    }
    return out;
}

/**
 * A scope's part of a resource name, `<prefix>-role-<r>-db-<d>`: the component's children are named
 * from their scope, never from a position. A second spelling of scopeId for a second contract
 * (resource names in URNs take no `/`); both are in every state ever written, so neither changes.
 */
export function scopeResourceName(prefix: string, scope: Scope): string {
    const role = scope.role !== undefined ? `-role-${encodeNamePart(scope.role)}` : "";
    const database = scope.database !== undefined ? `-db-${encodeNamePart(scope.database)}` : "";
    return `${prefix}${role}${database}`;
}

/** A group scope: the role, and the database its members' settings apply in (none: everywhere). */
export interface GroupScope {
    readonly group: string;
    readonly database?: string;
}

/** `group/analysts` or `group/analysts/database/shop`, names percent-encoded as scope keys are. */
export function groupKey(g: GroupScope): string {
    return `group/${encodeURIComponent(g.group)}${g.database !== undefined ? `/database/${encodeURIComponent(g.database)}` : ""}`;
}

const GROUP_KEY = /^group\/([^/]*)(?:\/database\/([^/]*))?$/;

/** The group scope a key names, or undefined when groupKey did not write it. */
export function parseGroupKey(key: string): GroupScope | undefined {
    const m = GROUP_KEY.exec(key);
    if (!m || m[1] === "") return undefined;
    try {
        const g: GroupScope = { group: decodeURIComponent(m[1]), ...(m[2] !== undefined ? { database: decodeURIComponent(m[2]) } : {}) };
        return groupKey(g) === key ? g : undefined;
    } catch {
        return undefined;
    }
}

/** `the members of group "analysts" in database "shop"`. */
export function describeGroup(g: GroupScope): string {
    return `the members of group ${JSON.stringify(g.group)}${g.database !== undefined ? ` in database ${JSON.stringify(g.database)}` : ""}`;
}

/** The scope a group writes at one member. */
export function memberScope(g: GroupScope, member: string): Scope {
    return g.database !== undefined ? { role: member, database: g.database } : { role: member };
}

/** A group scope (its members' settings), not a scope of one database or role. */
export function isGroupScope(scope: Scope | GroupScope): scope is GroupScope {
    return "group" in scope;
}
