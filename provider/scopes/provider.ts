/**
 * The dynamic provider of PgAuditScopes: many scopes of one server, each operation on one pooled
 * session. create and update read every scope (and, when exclusive, every pgaudit override) inside
 * the transaction that then writes, and send all statements with the COMMIT in one round trip:
 * all of the declaration lands, or none of it. check and diff are pure (lifecycle.ts).
 */
import { checkAndDiff, type EngineProps } from "../core/dynamicInputs";
import type * as pulumi from "@pulumi/pulumi";
import type pg from "pg";
import { withSession } from "../connection";
import { PgAuditSettingError } from "../../model/errors";
import { explainPgError } from "../serverErrors";
import { describeUndeclared, findUndeclared, resetStatement, unresettableError } from "../core/exclusiveMode";
import type { UndeclaredOverride } from "../../model/undeclared";
import { readFacts, readOverrideRows } from "../catalog/overrideStore";
import { assertServerSupports, decodeStoredSettings } from "../core/scopePlan";
import { BatchFailure, readScopes, readServerFacts, runBatch } from "../catalog/scopeStore";
import { checkScopesInputs, diffScopes, parseScopesState } from "./lifecycle";
import { planScopesApply, problemsError, unknownSettingProblems, type BatchStatement } from "./plan";
import type { OwnedScope, ScopesState } from "./schema";
import { encodeSettingsMapText, encodeSettingsText } from "../../model/settingsText";
import { decideClaim, mayRelease, newOwnerId, ownedElsewhere } from "../../model/ownership";
import { scopeId } from "../../model/scope";
import { beginOwned, claimSql, ensureOwnerTable, evictSql, releaseSql, type OwnerRecords } from "../catalog/ownerStore";
import { planGroupsApply, readGroupsState, type GroupPlan } from "./groupApply";
import type { MemberMap } from "./groups";

/** One resource is one server's declaration; the id only has to be stable. */
const SCOPES_ID = "pgaudit-scopes";

/** What state keeps: the options, each scope's settings line (as one text), and (exclusive only) what is undeclared. */
function outputsOf(
    state: ScopesState,
    ownerId: string | undefined,
    scopes: readonly OwnedScope[],
    undeclared?: readonly UndeclaredOverride[],
    groups?: { members: MemberMap; leavers?: MemberMap },
): Record<string, unknown> {
    return {
        ...(state.owner !== undefined ? { owner: state.owner } : {}),
        ...(ownerId !== undefined ? { ownerId } : {}),
        connection: state.connection,
        adopt: state.adopt,
        connectDeadlineSeconds: state.connectDeadlineSeconds,
        exclusive: state.exclusive,
        onUnresettable: state.onUnresettable,
        scopes: encodeSettingsMapText(Object.fromEntries(scopes.map((s) => [s.key, encodeSettingsText(s.settings)]))),
        ...(state.exclusive ? { undeclared: [...(undeclared ?? [])] } : {}),
        ...(state.groups.length > 0 ? { groups: Object.fromEntries(state.groups.map((g) => [g.key, encodeSettingsText(g.settings)])) } : {}),
        ...(groups && state.groups.length > 0 ? { members: groups.members, ...(groups.leavers ? { leavers: groups.leavers } : {}) } : {}),
    };
}

const ROLLED_BACK = "the transaction was rolled back, so no scope of this PgAuditScopes changed";

/** A failure of the batch as the user reads it: which scope, why, the fix, and that nothing stayed. */
function explainFailure(err: unknown, statements: readonly BatchStatement[], user: string): Error {
    if (!(err instanceof BatchFailure)) {
        return err instanceof PgAuditSettingError ? err : explainPgError(err, { action: "reading the pgaudit settings of the declared scopes", user });
    }
    const committing = err.index >= statements.length;
    const action = committing ? "committing the pgaudit settings of every declared scope" : `applying the pgaudit settings of ${statements[err.index].target}`;
    const explained = explainPgError(err.cause, { action, user });
    const sqlState = explained instanceof PgAuditSettingError ? explained.sqlState : undefined;
    const base = explained.message.replace(/ \[SQLSTATE [0-9A-Z]{5}\]$/, "");
    const outcome = committing
        ? "the session ended during COMMIT, so PostgreSQL applied the whole declaration or none of it: run pulumi refresh to see which, then pulumi up"
        : `${ROLLED_BACK}; fix the cause and run pulumi up again`;
    return new PgAuditSettingError(`${base}. ${outcome[0].toUpperCase()}${outcome.slice(1)}`, sqlState);
}

/**
 * Runs `work` in a transaction whose writes go out with the COMMIT; any failure rolls all of it
 * back. The transaction opens with the owner lock and the owner records of `keys` (one round trip).
 */
async function inTransaction<T>(
    client: pg.ClientBase,
    user: string,
    keys: readonly string[] | "all",
    work: (records: OwnerRecords) => Promise<{ statements: BatchStatement[]; result: T }>,
    present = true,
): Promise<T> {
    let statements: BatchStatement[] = [];
    try {
        const records = await beginOwned(client, keys, present);
        const planned = await work(records);
        statements = planned.statements;
        await runBatch(client, [...statements.map((s) => s.sql), "COMMIT"]);
        return planned.result;
    } catch (err) {
        await client.query("ROLLBACK").catch(() => undefined);
        throw explainFailure(err, statements, user);
    }
}

/**
 * Makes the server hold exactly `state`'s scopes, each recorded as owned by `ownerId`; `olds`
 * (update) are the scopes owned so far. A scope another stack owns stops the apply unless
 * `adopt`; one this stack owns under another id (a rename, a move, a shape switch) is taken over
 * as it stands; a scope no longer declared is reset only while its record still names us.
 */
async function apply(state: ScopesState, ownerId: string, olds?: ScopesState): Promise<Record<string, unknown>> {
    const declaredKeys = new Set(state.scopes.map((s) => s.key));
    const removed = olds ? olds.scopes.filter((o) => !declaredKeys.has(o.key)) : [];
    // State older than owner records (no ownerId) owned its scopes all the same.
    const owned = new Set(olds?.scopes.map((s) => s.key) ?? []);
    const previouslyRecorded = olds?.ownerId !== undefined;
    return withSession(state.connection, state.connectDeadlineSeconds, async (session) => {
        const facts = await readServerFacts(session);
        assertServerSupports(facts, []);
        const unknown = unknownSettingProblems(state.scopes, facts);
        if (unknown.length > 0) throw problemsError(unknown);
        await ensureOwnerTable(session);
        const { client } = session;
        const keys = state.exclusive ? "all" : [...state.scopes, ...removed].map((s) => s.key);
        return inTransaction(client, facts.currentUser, keys, async (records) => {
            const ownership: string[] = [];
            const handedOver = new Set<string>();
            const evicted: [string, string][] = [];
            for (const s of state.scopes) {
                const decision = decideClaim({
                    scope: s.scope,
                    records: records.of(s.key),
                    claimant: { id: ownerId, label: state.owner },
                    previouslyOwned: owned.has(s.key) && previouslyRecorded,
                    adopt: state.adopt,
                });
                if (decision.kind === "refuse") ownership.push(decision.problem);
                else {
                    if (decision.handover) handedOver.add(s.key);
                    for (const id of decision.evict) evicted.push([s.key, id]);
                }
            }
            const grouped = state.groups.length > 0 || (olds?.groups.length ?? 0) > 0;
            const groupPlan: GroupPlan | undefined = grouped
                ? await planGroupsApply({
                      client,
                      groups: state.groups,
                      previous: olds?.groups ?? [],
                      explicit: declaredKeys,
                      ownerId,
                      label: state.owner,
                      recordsPresent: true,
                      adopt: state.adopt,
                      superuser: facts.superuser,
                  })
                : undefined;
            if (ownership.length > 0 || (groupPlan?.problems.length ?? 0) > 0) throw problemsError([...ownership, ...(groupPlan?.problems ?? [])]);
            // A scope dropped from `scopes` that a group now covers is the group's, not to be reset.
            const released = removed.filter((s) => mayRelease(records.of(s.key), olds?.ownerId) && !groupPlan?.held.has(s.key));
            const snapshots = await readScopes(
                client,
                [...state.scopes, ...released].map((s) => s.scope),
            );
            const plan = planScopesApply({
                declared: state.scopes,
                declaredSnapshots: snapshots.slice(0, state.scopes.length),
                removed: released,
                removedSnapshots: snapshots.slice(state.scopes.length),
                // Values another resource of this stack wrote are this stack's declaration, not foreign.
                newlyOwned: (key) => !owned.has(key) && !handedOver.has(key),
                adopt: state.adopt,
            });
            if (plan.problems.length > 0) throw problemsError(plan.problems);
            if (groupPlan) plan.statements.push(...groupPlan.statements);
            for (const sql of [
                evictSql(evicted),
                claimSql(
                    state.scopes.map((s) => s.key),
                    ownerId,
                    state.owner,
                ),
                releaseSql(
                    removed.map((s) => s.key),
                    olds?.ownerId,
                ),
            ]) {
                if (sql) plan.statements.push({ sql, target: "the owner records of this PgAuditScopes' scopes" });
            }
            let left: UndeclaredOverride[] = [];
            if (state.exclusive) {
                const declared = [...state.scopes, ...removed].map((s) => s.scope).concat(groupPlan?.scopes ?? []);
                // A scope another resource owns (this stack's or another's) is declared, just not here.
                const ownedByOthers = (o: UndeclaredOverride) => ownedElsewhere(records.of(scopeId(o)), ownerId);
                const undeclared = findUndeclared(await readOverrideRows(client), declared, await readFacts(client)).filter((o) => !ownedByOthers(o));
                left = undeclared.filter((o) => !o.resettable);
                if (left.length > 0 && state.onUnresettable === "fail") throw unresettableError(left);
                for (const o of undeclared.filter((u) => u.resettable)) {
                    plan.statements.push({ sql: resetStatement(o), target: `undeclared ${describeUndeclared(o)}` });
                }
            }
            return { statements: plan.statements, result: outputsOf(state, ownerId, state.scopes, left, groupPlan && { members: groupPlan.members }) };
        });
    });
}

/** The dynamic provider of PgAuditScopes (loaded by name from __provider). */
export const pgAuditScopesProvider: pulumi.dynamic.ResourceProvider = {
    ...checkAndDiff(checkScopesInputs, diffScopes),

    async create(props: EngineProps) {
        const ownerId = newOwnerId();
        return { id: SCOPES_ID, outs: await apply(parseScopesState(props), ownerId) };
    },

    /**
     * Every scope in one query; a scope whose database or role is gone drops out (its settings
     * went with it), and so does one whose owner record names another resource (the next up says
     * who). State older than owner records claims, here, the scopes nobody else has.
     */
    async read(id: string, props: EngineProps) {
        const state = parseScopesState(props);
        return withSession(state.connection, state.connectDeadlineSeconds, async (session) => {
            const present = await ensureOwnerTable(session, false);
            const { client } = session;
            let found: OwnedScope[];
            let undeclared: UndeclaredOverride[] | undefined;
            let ownerId = state.ownerId;
            let groups: Awaited<ReturnType<typeof readGroupsState>> | undefined;
            try {
                const records = await beginOwned(client, state.exclusive ? "all" : state.scopes.map((s) => s.key), present);
                const snapshots = await readScopes(
                    client,
                    state.scopes.map((s) => s.scope),
                );
                found = state.scopes.flatMap((s, i) =>
                    snapshots[i].exists && !ownedElsewhere(records.of(s.key), ownerId) ? [{ ...s, settings: decodeStoredSettings(snapshots[i].entries) }] : [],
                );
                if (ownerId === undefined && present) {
                    ownerId = newOwnerId();
                    const claim = claimSql(
                        found.map((s) => s.key),
                        ownerId,
                        state.owner,
                    );
                    if (claim) await client.query(claim);
                }
                if (state.groups.length > 0) {
                    groups = await readGroupsState({
                        client,
                        groups: state.groups,
                        previous: [],
                        explicit: new Set(state.scopes.map((s) => s.key)),
                        ownerId,
                        label: state.owner,
                        recordsPresent: present,
                    });
                }
                if (state.exclusive) {
                    const declared = state.scopes.map((s) => s.scope).concat(groups?.scopes ?? []);
                    undeclared = findUndeclared(await readOverrideRows(client), declared, await readFacts(client)).filter(
                        (o) => !ownedElsewhere(records.of(scopeId(o)), ownerId),
                    );
                }
                await client.query("COMMIT");
            } catch (err) {
                await client.query("ROLLBACK").catch(() => undefined);
                throw explainPgError(err, { action: "reading the pgaudit settings of the declared scopes", user: state.connection.user });
            }
            const outs = outputsOf(state, ownerId, found, undeclared, groups);
            const { undeclared: _output, ownerId: _id, ...inputs } = outs;
            return { id, props: outs, inputs };
        });
    },

    async update(_id: string, olds: EngineProps, news: EngineProps) {
        const previous = parseScopesState(olds);
        // A connection to another server replaces (diff), so olds and news name one server here.
        return { outs: await apply(parseScopesState(news), previous.ownerId ?? newOwnerId(), previous) };
    },

    /**
     * RESETs, in one transaction, every scope whose owner record still names this resource (or
     * has none): after a rename, a move or a shape switch the new resource has taken them by now.
     * Exclusive mode leaves nothing to undo (a reset is not restored).
     */
    async delete(_id: string, props: EngineProps) {
        const state = parseScopesState(props);
        await withSession(state.connection, state.connectDeadlineSeconds, async (session) => {
            const facts = await readServerFacts(session);
            const present = await ensureOwnerTable(session, false);
            const { client } = session;
            const keys = state.scopes.map((s) => s.key);
            await inTransaction(
                client,
                facts.currentUser,
                keys,
                async (records) => {
                    const released = state.scopes.filter((s) => mayRelease(records.of(s.key), state.ownerId));
                    const snapshots = await readScopes(
                        client,
                        released.map((s) => s.scope),
                    );
                    const plan = planScopesApply({
                        declared: [],
                        declaredSnapshots: [],
                        removed: released,
                        removedSnapshots: snapshots,
                        newlyOwned: () => false,
                        adopt: true,
                    });
                    const release = present ? releaseSql(keys, state.ownerId) : undefined;
                    if (release) plan.statements.push({ sql: release, target: "the owner records of this PgAuditScopes' scopes" });
                    if (state.groups.length > 0 && present) {
                        // No group declared any more: every member scope our groups hold is released, and reset where nobody else holds it.
                        const groupPlan = await planGroupsApply({
                            client,
                            groups: [],
                            previous: state.groups,
                            explicit: new Set(),
                            ownerId: state.ownerId,
                            label: state.owner,
                            recordsPresent: true,
                            adopt: true,
                            superuser: facts.superuser,
                        });
                        plan.statements.push(...groupPlan.statements);
                    }
                    return { statements: plan.statements, result: undefined };
                },
                present,
            );
        });
    },
};
