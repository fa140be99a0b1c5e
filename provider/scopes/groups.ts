/**
 * Group scopes of PgAuditScopes, the pure part: "the login members of role G" (optionally in
 * database D), resolved at apply into one role (or role-in-database) scope per member.
 *
 * pgaudit settings are per login role (PostgreSQL never inherits them through membership, and
 * SET ROLE does not apply them), so a group's settings must be written to each member. Members
 * are found recursively through pg_auth_members whatever INHERIT says: session settings come
 * from the role that logged in, and INHERIT governs only privileges.
 *
 * Precedence (docs/groups.md):
 * - a member scope also declared on its own (in `scopes` here, or held by any other resource
 *   that declares it explicitly) keeps its own declaration: the group leaves it alone;
 * - a member of several declared groups gets the union of their pgaudit.log classes (auditing is
 *   additive: joining a second group must never audit less, and a routine HR change must not
 *   break `pulumi up`); any other setting both groups give must agree, else the apply stops
 *   naming the member, both groups and the fix (there is no "more audit" order for log_level).
 *
 * State: `groups` maps each group key (`group/analysts`, `group/analysts/database/shop`) to its
 * settings line, as `scopes` does; `members` maps each group key to the member scopes it holds
 * (`role/alice` → the line written there), so `pulumi preview --diff` names each member that
 * changes; `leavers` (refresh only) the scopes a group still holds whose role left it.
 */
import { createHash } from "node:crypto";
import { z } from "zod";
import { pgAuditLogCovers } from "../../model/pgauditLog";
import { pgNameSchema, settingsSchema } from "../../model/settingsSchema";
import { describeGroup, groupKey, memberScope, parseGroupKey, scopeId, type GroupScope } from "../../model/scope";
import { SETTING_DEFINITIONS, SETTING_KEYS, settingValueEquals, type SettingValues } from "../../model/settings";
import { decodeSettingsMap, decodeSettingsText, encodeSettingsText, normalizeSettingsMap } from "../../model/settingsText";
import type { Scope } from "../../model/scope";

/** One declared group scope as the user writes it. */
const groupEntrySchema = z.strictObject({
    /** The group role whose login members (direct or through other roles) get the settings. */
    group: pgNameSchema,
    /** With it, each member's role-in-database scope in this database; without, its role scope. */
    database: pgNameSchema.optional(),
    /** The settings every member gets, as PgAuditSetting takes them. */
    settings: settingsSchema,
});

/**
 * The owner id a group scope records its member scopes under: derived from the resource's own id,
 * so no state has to keep it, and distinct per group so each member record says which group holds it.
 */
export function groupOwnerId(ownerId: string, key: string): string {
    return `${ownerId}-g${createHash("sha256").update(key).digest("base64url").slice(0, 16)}`;
}

const LIST_ERROR = 'must be a list of { group, database?, settings }, e.g. [{ group: "analysts", settings: { log: ["read", "write"] } }]';

/**
 * `groups` as check takes it: the program's list, or the map once PgAuditScopes wrote it (every
 * group known at construction). Out comes the map state keeps; a group declared twice is refused.
 */
export const groupsInputSchema = z.unknown().transform((value, ctx): Record<string, string> | undefined => {
    if (value === undefined) return undefined;
    const out: Record<string, string> = {};
    if (value !== null && typeof value === "object" && !Array.isArray(value)) {
        const { normalized, refused } = normalizeSettingsMap(value as Record<string, unknown>, parseGroupKey, groupKey);
        for (const key of refused) ctx.addIssue({ code: "custom", path: [key], message: "is not a group key and settings line (group/analysts: log=read)" });
        return normalized;
    }
    if (!Array.isArray(value)) {
        ctx.addIssue({ code: "custom", message: LIST_ERROR });
        return out;
    }
    const first = new Map<string, number>();
    value.forEach((entry, index) => {
        const parsed = groupEntrySchema.safeParse(entry);
        if (!parsed.success) {
            // Passed on as they are, so that check's one translator names an unknown key with the keys a group takes.
            for (const issue of parsed.error.issues) ctx.addIssue({ ...issue, path: [index, ...issue.path] });
            return;
        }
        const key = groupKey(parsed.data);
        const seen = first.get(key);
        if (seen !== undefined) {
            ctx.addIssue({
                code: "custom",
                path: [index],
                message: `declares ${describeGroup(parsed.data)} again (first at groups[${seen}]); merge the two entries`,
            });
            return;
        }
        first.set(key, index);
        out[key] = encodeSettingsText(parsed.data.settings);
    });
    return out;
});

/** One declared group, decoded from state. */
export interface OwnedGroup extends GroupScope {
    readonly key: string;
    readonly settings: SettingValues;
}

/** State's `groups` map, decoded; keys or lines this package did not write are refused. */
export const groupsStateSchema = z
    .record(z.string(), z.string())
    .default({})
    .transform((map, ctx): OwnedGroup[] => {
        const { decoded, refused } = decodeSettingsMap(map, parseGroupKey);
        for (const key of refused) ctx.addIssue({ code: "custom", path: [key], message: "is not a group scope and settings line this package wrote" });
        return decoded.map(({ key, at, settings }) => ({ key, ...at, settings }));
    });

/** Per group key, the member scope keys it holds and the line at each. */
export const memberMapSchema = z.record(z.string(), z.record(z.string(), z.string()));
export type MemberMap = z.output<typeof memberMapSchema>;

/** What a member gets from the declared groups it belongs to: the merged settings, or why they cannot merge. */
export type MemberValue =
    { readonly settings: SettingValues; readonly groups: readonly string[] } | { readonly conflict: string; readonly groups: readonly string[] };

/** The classes of several pgaudit.log values together, as the shortest list (left to right has no exclusions to order). */
function unionLog(values: readonly (readonly string[])[]): string[] {
    const covered = (cls: string) => values.some((v) => pgAuditLogCovers(v, [cls]));
    const classes = ["read", "write", "function", "role", "ddl", "misc"].filter(covered);
    if (!classes.includes("misc") && covered("misc_set")) classes.push("misc_set");
    return classes;
}

/**
 * Merges what several groups give one member (keys in order of the groups' keys): the union of
 * pgaudit.log, any other setting taken from the groups that give it, which must agree.
 */
function mergeGroupSettings(member: Scope, given: readonly { key: string; settings: SettingValues }[]): MemberValue {
    const groups = given.map((g) => g.key);
    if (given.length === 1) return { settings: given[0].settings, groups };
    const merged: SettingValues = {};
    const logs = given.flatMap((g) => (g.settings.log !== undefined ? [g.settings.log as readonly string[]] : []));
    if (logs.length > 0) {
        const first = logs[0];
        merged.log = logs.every((l) => settingValueEquals("log", l as string[], first as string[])) ? [...first] : unionLog(logs);
    }
    for (const key of SETTING_KEYS) {
        if (key === "log") continue;
        const setBy = given.filter((g) => g.settings[key] !== undefined);
        if (setBy.length === 0) continue;
        const disagree = setBy.find((g) => !settingValueEquals(key, g.settings[key], setBy[0].settings[key]));
        if (disagree) {
            const [a, b] = [parseGroupKey(setBy[0].key)!, parseGroupKey(disagree.key)!];
            return {
                groups,
                conflict:
                    `${describeMember(member)} is a member of group ${JSON.stringify(a.group)} and of group ${JSON.stringify(b.group)}, which give it different ${SETTING_DEFINITIONS[key].name} ` +
                    `(${JSON.stringify(setBy[0].settings[key])} and ${JSON.stringify(disagree.settings[key])}); only pgaudit.log merges (as the union of classes). ` +
                    `Fix: give both groups the same settings.${key}, or declare this member on its own in scopes (its own declaration wins)`,
            };
        }
        (merged as Record<string, unknown>)[key] = setBy[0].settings[key];
    }
    return { settings: merged, groups };
}

/** `role "alice"`, with the database when the group scope has one. */
export function describeMember(scope: Scope): string {
    return scope.database !== undefined
        ? `role ${JSON.stringify(scope.role)} in database ${JSON.stringify(scope.database)}`
        : `role ${JSON.stringify(scope.role)}`;
}

/**
 * The value every member scope should hold: from each group's settings and the member scope keys
 * it covers (`membership`, by group key). Scopes in `explicit` keep their own declaration.
 */
export function desiredMembers(
    groups: readonly OwnedGroup[],
    membership: ReadonlyMap<string, readonly string[]>,
    explicit: (memberKey: string) => boolean,
): Map<string, MemberValue & { scope: Scope }> {
    const wanted = new Map<string, { scope: Scope; given: { key: string; settings: SettingValues }[] }>();
    for (const g of [...groups].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))) {
        for (const role of membership.get(g.key) ?? []) {
            const scope = memberScope(g, role);
            const key = scopeId(scope);
            if (explicit(key)) continue;
            const entry = wanted.get(key) ?? { scope, given: [] };
            entry.given.push({ key: g.key, settings: g.settings });
            wanted.set(key, entry);
        }
    }
    return new Map([...wanted].map(([key, { scope, given }]) => [key, { ...mergeGroupSettings(scope, given), scope }]));
}

/** The member map of outputs: each group's members and the line each holds (or should). */
export function memberMapOf(
    groups: readonly OwnedGroup[],
    desired: ReadonlyMap<string, MemberValue & { scope: Scope }>,
    line: (key: string, v: MemberValue) => string,
): MemberMap {
    const map: MemberMap = Object.fromEntries(groups.map((g) => [g.key, {}]));
    for (const [key, value] of desired) for (const g of value.groups) if (map[g]) map[g][key] = line(key, value);
    return map;
}

/** Which member scope keys each group covers, read back from a member map. */
function membershipOf(members: MemberMap | undefined): Map<string, string[]> {
    const byGroup = new Map<string, string[]>();
    for (const [g, byMember] of Object.entries(members ?? {})) {
        const gs = parseGroupKey(g);
        if (!gs) continue;
        byGroup.set(
            g,
            Object.keys(byMember).flatMap((k) => {
                const role = parseMemberRole(k, gs);
                return role !== undefined ? [role] : [];
            }),
        );
    }
    return byGroup;
}

/** The role of a member scope key written for group scope `g`. */
function parseMemberRole(key: string, g: GroupScope): string | undefined {
    const m = /^role\/([^/]*)(?:\/database\/([^/]*))?$/.exec(key);
    if (!m) return undefined;
    try {
        const role = decodeURIComponent(m[1]);
        return scopeId(memberScope(g, role)) === key ? role : undefined;
    } catch {
        return undefined;
    }
}

/** The line a member should hold; a conflict keeps the first group's line (the apply refuses it anyway). */
function desiredLine(value: MemberValue, groups: readonly OwnedGroup[]): string {
    if ("settings" in value) return encodeSettingsText(value.settings);
    return encodeSettingsText(groups.find((g) => g.key === value.groups[0])?.settings ?? {});
}

/**
 * Check: the member map of the new inputs, from the old inputs' (what the last apply or refresh
 * found) and the new groups: each known member at the value it should now hold. So `preview
 * --diff` prints `~ role/alice: "log=none" => "log=read"` for a member changed by hand, a new
 * member found by refresh, or every member of a group whose settings change; a leaver shows as
 * removed from `leavers`. Members not known yet (a new group) are resolved at apply.
 */
export function carriedMembers(oldMembers: unknown, groupsMap: Record<string, string>): MemberMap | undefined {
    const parsed = memberMapSchema.safeParse(oldMembers);
    if (!parsed.success) return undefined;
    const groups = groupsStateSchema.safeParse(groupsMap);
    if (!groups.success) return undefined;
    const known = groups.data.filter((g) => parsed.data[g.key] !== undefined);
    if (known.length === 0) return undefined;
    const desired = desiredMembers(known, membershipOf(parsed.data), () => false);
    return memberMapOf(known, desired, (_k, v) => desiredLine(v, known));
}

/**
 * Diff: whether a member (as the last apply or refresh found it) holds other than what its groups
 * now give it, or a leaver still holds a group's settings. Group declarations themselves are
 * compared as scopes are (scopesDiffer), by the caller.
 */
export function membersDrifted(olds: { members?: unknown; leavers?: unknown }, newGroups: unknown): boolean {
    const leavers = memberMapSchema.safeParse(olds.leavers ?? {});
    if (!leavers.success || Object.values(leavers.data).some((m) => Object.keys(m).length > 0)) return true;
    if (olds.members === undefined) return false;
    const members = memberMapSchema.safeParse(olds.members);
    const groups = groupsStateSchema.safeParse(newGroups ?? {});
    if (!members.success || !groups.success) return true;
    const known = groups.data.filter((g) => members.data[g.key] !== undefined);
    const desired = desiredMembers(known, membershipOf(members.data), () => false);
    for (const [key, value] of desired) {
        if (!("settings" in value)) return true;
        for (const g of value.groups) {
            const found = members.data[g]?.[key];
            let held: SettingValues;
            try {
                held = decodeSettingsText(found ?? "");
            } catch {
                return true;
            }
            if (SETTING_KEYS.some((k) => !settingValueEquals(k, held[k], value.settings[k]))) return true;
        }
    }
    return false;
}
