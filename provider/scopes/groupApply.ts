/**
 * Group scopes inside PgAuditScopes' transaction (provider.ts): resolve each group's login
 * members under the owner lock, decide which member scopes each group may hold, and plan the
 * statements that make them hold the groups' settings, all before anything is written. The
 * refresh half reads what the members hold now, and what a group still holds at roles that left.
 * Precedence and state are described in groups.ts and docs/groups.md.
 */
import type pg from "pg";
import { PgAuditSettingError } from "../../model/errors";
import { decideClaim, type OwnerLabel, type OwnerRecord } from "../../model/ownership";
import { describeGroup, memberScope, parseGroupKey, parseScopeId, scopeId } from "../../model/scope";
import { assertNoForeignSettings, decodeStoredSettings, planScopeReset, planScopeStatements } from "../core/scopePlan";
import { encodeSettingsText } from "../../model/settingsText";
import type { Scope } from "../../model/scope";
import { readScopes } from "../catalog/scopeStore";
import { claimSql, evictSql, releaseSql } from "../catalog/ownerStore";
import { readGroupRecords, readMemberships } from "../catalog/membership";
import { describeMember, desiredMembers, groupOwnerId, memberMapOf, type MemberMap, type MemberValue, type OwnedGroup } from "./groups";
import type { BatchStatement } from "./plan";

/** What the groups of one resource are, around one transaction. */
export interface GroupContext {
    readonly client: pg.ClientBase;
    /** The declared groups; `previous` those of the last state (a removed group is released). */
    readonly groups: readonly OwnedGroup[];
    readonly previous: readonly OwnedGroup[];
    /** The keys of the scopes this resource declares on its own: they keep their own declaration. */
    readonly explicit: ReadonlySet<string>;
    /** The resource's owner id; its groups record under ids derived from it. */
    readonly ownerId: string | undefined;
    readonly label: OwnerLabel | undefined;
    /** The owner table exists (always at apply; maybe not at a refresh of old state). */
    readonly recordsPresent: boolean;
}

export interface GroupPlan {
    readonly problems: string[];
    /** The members' SET/RESET, then the owner records of group and member scopes. */
    readonly statements: BatchStatement[];
    /** Member scopes a group holds after this apply: never reset as "no longer declared". */
    readonly held: ReadonlySet<string>;
    /** Every member scope a group holds or gives up now, for exclusive mode's "declared". */
    readonly scopes: readonly Scope[];
    readonly members: MemberMap;
}

interface Resolved {
    readonly desired: Map<string, MemberValue & { scope: Scope }>;
    readonly records: readonly OwnerRecord[];
    /** The records of one scope key (indexed once: a group may have thousands of members). */
    readonly recordsOf: (key: string) => readonly OwnerRecord[];
    readonly ours: ReadonlyMap<string, OwnedGroup>;
    /** Members that are superusers: only a superuser may change their settings. */
    readonly superusers: ReadonlySet<string>;
    readonly problems: string[];
}

/** Members, records and the value each member should hold; shared by apply and refresh. */
async function resolve(ctx: GroupContext): Promise<Resolved> {
    const problems: string[] = [];
    const ours = new Map<string, OwnedGroup>();
    if (ctx.ownerId !== undefined) for (const g of [...ctx.previous, ...ctx.groups]) ours.set(groupOwnerId(ctx.ownerId, g.key), g);
    const names = [...new Set(ctx.groups.map((g) => g.group))];
    const found = new Map((await readMemberships(ctx.client, names)).map((m) => [m.group, m]));
    const membership = new Map<string, string[]>();
    const superusers = new Set<string>();
    for (const g of ctx.groups) {
        const m = found.get(g.group);
        if (!m?.exists) {
            problems.push(`${describeGroup(g)}: role ${JSON.stringify(g.group)} does not exist; create it first (or fix the name; names are case-sensitive)`);
            continue;
        }
        // A role without LOGIN never starts a session, so its settings would audit nothing: nested groups are walked through, not written.
        const login = m.members.filter((r) => r.login);
        membership.set(
            g.key,
            login.map((r) => r.name),
        );
        for (const r of login) if (r.superuser) superusers.add(r.name);
    }
    const memberKeys = ctx.groups.flatMap((g) => (membership.get(g.key) ?? []).map((role) => scopeId(memberScope(g, role))));
    const records = ctx.recordsPresent ? await readGroupRecords(ctx.client, [...memberKeys, ...ctx.groups.map((g) => g.key)], [...ours.keys()]) : [];
    const byScope = new Map<string, OwnerRecord[]>();
    for (const r of records) byScope.set(r.scope, [...(byScope.get(r.scope) ?? []), r]);
    const recordsOf = (key: string) => byScope.get(key) ?? [];
    const groupIds = new Set(records.filter((r) => r.scope.startsWith("group/")).map((r) => r.ownerId));
    for (const id of ours.keys()) groupIds.add(id);
    // Declared on its own here, or by any resource that is not a group scope (another stack's PgAuditSetting, say).
    const explicit = (key: string) => ctx.explicit.has(key) || recordsOf(key).some((r) => !groupIds.has(r.ownerId) && r.ownerId !== ctx.ownerId);
    return { desired: desiredMembers(ctx.groups, membership, explicit), records, recordsOf, ours, superusers, problems };
}

const holderLabel = (label: OwnerLabel | undefined, g: OwnedGroup): OwnerLabel | undefined =>
    label && { stack: label.stack, resource: `${label.resource}, ${describeGroup(g)}`.slice(0, 500) };

/** Plans the groups' part of one apply (create or update), inside its transaction. */
export async function planGroupsApply(ctx: GroupContext & { readonly adopt: boolean; readonly superuser: boolean }): Promise<GroupPlan> {
    const { desired, records, recordsOf, ours, superusers, problems } = await resolve(ctx);
    const id = (g: OwnedGroup) => groupOwnerId(ctx.ownerId!, g.key);
    const isOurs = (r: OwnerRecord) => ours.has(r.ownerId);
    const groupIds = new Set(records.filter((r) => r.scope.startsWith("group/")).map((r) => r.ownerId));
    const evicted: [string, string][] = [];
    const claims = new Map<string, Set<string>>(ctx.groups.map((g) => [id(g), new Set([g.key])]));

    for (const g of ctx.groups) {
        const decision = decideClaim({
            scope: describeGroup(g),
            records: recordsOf(g.key),
            claimant: { id: id(g), label: holderLabel(ctx.label, g) },
            previouslyOwned: ctx.previous.some((p) => p.key === g.key),
            adopt: ctx.adopt,
        });
        if (decision.kind === "refuse") problems.push(decision.problem);
        else for (const other of decision.evict) evicted.push([g.key, other]);
    }

    const entries = [...desired];
    const held = new Set<string>();
    const notForeign = new Set<string>();
    for (const [key, value] of entries) {
        if ("conflict" in value) {
            problems.push(value.conflict);
            continue;
        }
        for (const gk of value.groups) {
            const g = ctx.groups.find((x) => x.key === gk)!;
            const mine = id(g);
            // Co-holders that are our other groups are not rivals; another resource's group scope is.
            const relevant = recordsOf(key).filter((r) => r.ownerId === mine || (groupIds.has(r.ownerId) && !isOurs(r)));
            const decision = decideClaim({
                scope: `${describeMember(value.scope)} (a member of group ${JSON.stringify(g.group)})`,
                records: relevant,
                claimant: { id: mine, label: holderLabel(ctx.label, g) },
                previouslyOwned: relevant.some((r) => r.ownerId === mine),
                adopt: ctx.adopt,
            });
            if (decision.kind === "refuse") {
                problems.push(decision.problem);
                continue;
            }
            if (decision.handover) notForeign.add(key);
            for (const other of decision.evict) evicted.push([key, other]);
            claims.get(mine)!.add(key);
            held.add(key);
        }
        // Values our groups (or this resource's own, now removed, declaration) wrote are ours, not foreign.
        if (recordsOf(key).some((r) => isOurs(r) || r.ownerId === ctx.ownerId)) notForeign.add(key);
    }

    // What our groups hold at scopes they no longer cover: a role that left, a group removed or narrowed.
    const released = new Map<string, string[]>();
    const resets = new Map<string, { scope: Scope; group: OwnedGroup }>();
    for (const r of records.filter((x) => isOurs(x) && !x.scope.startsWith("group/"))) {
        if (claims.get(r.ownerId)?.has(r.scope)) continue;
        released.set(r.ownerId, [...(released.get(r.ownerId) ?? []), r.scope]);
        const others = recordsOf(r.scope).filter((x) => !isOurs(x));
        const scope = parseScopeId(r.scope);
        if (scope && !held.has(r.scope) && !ctx.explicit.has(r.scope) && others.length === 0) resets.set(r.scope, { scope, group: ours.get(r.ownerId)! });
    }
    const resetScopes = [...resets.values()];
    for (const [gid, g] of ours) if (!ctx.groups.some((x) => x.key === g.key)) released.set(gid, [...(released.get(gid) ?? []), g.key]);

    const writes = entries.filter(([key]) => held.has(key));
    const snapshots = await readScopes(ctx.client, [...writes.map(([, v]) => v.scope), ...resetScopes.map((r) => r.scope)]);
    const statements: BatchStatement[] = [];
    const missing = new Set<string>();
    writes.forEach(([key, value], i) => {
        const snapshot = snapshots[i];
        const target = `${describeMember(value.scope)} (a member of ${value.groups.map((k) => `group ${JSON.stringify(parseGroupKey(k)!.group)}`).join(" and ")})`;
        if (!snapshot.exists) {
            // Only the database can be missing: the role was just found in pg_roles.
            missing.add(
                `${value.groups.map((k) => describeGroup(parseGroupKey(k)!)).join(", ")}: ${snapshot.missing} does not exist; create it first (or fix the name)`,
            );
            return;
        }
        if (!("settings" in value)) return;
        if (!ctx.superuser && superusers.has(value.scope.role!)) {
            problems.push(
                `${target} is a superuser, whose settings only a superuser may change. Fix: remove it from the group, or declare it on its own with a superuser's connection`,
            );
            return;
        }
        if (!notForeign.has(key)) {
            try {
                assertNoForeignSettings(value.scope, snapshot.entries, value.settings, ctx.adopt);
            } catch (err) {
                if (!(err instanceof PgAuditSettingError)) throw err;
                problems.push(err.message);
                return;
            }
        }
        for (const sql of planScopeStatements(value.scope, snapshot.entries, value.settings)) statements.push({ sql, target });
    });
    problems.push(...missing);
    resetScopes.forEach((r, i) => {
        const snapshot = snapshots[writes.length + i];
        // A dropped role took its settings with it.
        if (!snapshot.exists) return;
        const target = `${describeMember(r.scope)} (no longer a member of group ${JSON.stringify(r.group.group)})`;
        for (const sql of planScopeReset(r.scope, snapshot.entries)) statements.push({ sql, target });
    });

    const recordsTarget = "the owner records of this PgAuditScopes' group scopes";
    const recordSql = [evictSql(evicted)];
    for (const [gid, gone] of released) recordSql.push(releaseSql(gone, gid));
    for (const g of ctx.groups) recordSql.push(claimSql([...claims.get(id(g))!], id(g), holderLabel(ctx.label, g)));
    for (const sql of recordSql) if (sql) statements.push({ sql, target: recordsTarget });

    const members = memberMapOf(ctx.groups, new Map(writes), (_key, v) => ("settings" in v ? encodeSettingsText(v.settings) : ""));
    return { problems, statements, held, scopes: [...writes.map(([, v]) => v.scope), ...resetScopes.map((r) => r.scope)], members };
}

/**
 * Refresh: each group's current login members with what they hold now ("" for nothing: a member
 * who joined since the last up), and (`leavers`) what a group still holds at roles no longer in it.
 */
export async function readGroupsState(ctx: GroupContext): Promise<{ members: MemberMap; leavers: MemberMap; scopes: Scope[] }> {
    const { desired, records, ours } = await resolve(ctx);
    const current = [...desired];
    const leaving: { group: OwnedGroup; key: string; scope: Scope }[] = [];
    for (const r of records.filter((x) => ours.has(x.ownerId) && !x.scope.startsWith("group/"))) {
        const g = ours.get(r.ownerId)!;
        if (!ctx.groups.some((x) => x.key === g.key)) continue;
        if (desired.get(r.scope)?.groups.includes(g.key)) continue;
        const scope = parseScopeId(r.scope);
        if (scope) leaving.push({ group: g, key: r.scope, scope });
    }
    const snapshots = await readScopes(ctx.client, [...current.map(([, v]) => v.scope), ...leaving.map((l) => l.scope)]);
    const line = (i: number) => (snapshots[i].exists ? encodeSettingsText(decodeStoredSettings(snapshots[i].entries)) : undefined);
    const position = new Map(current.map(([k], i) => [k, i]));
    const members = memberMapOf(ctx.groups, desired, (key) => line(position.get(key)!) ?? "");
    const leavers: MemberMap = {};
    leaving.forEach((l, i) => {
        const found = line(current.length + i);
        // Nothing left there (reset by hand, or the role was dropped): no drift, only a record to release at the next up.
        if (found === undefined || found === "") return;
        (leavers[l.group.key] ??= {})[l.key] = found;
    });
    return { members, leavers, scopes: current.map(([, v]) => v.scope) };
}
