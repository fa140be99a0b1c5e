/**
 * The dynamic provider of PgAuditScopes: many scopes of one server, each operation on one pooled
 * session. create and update read every scope (and, when exclusive, every pgaudit override) inside
 * the transaction that then writes, and send all statements with the COMMIT in one round trip:
 * all of the declaration lands, or none of it. check and diff are pure (lifecycle.ts).
 */
import type * as pulumi from "@pulumi/pulumi";
import type pg from "pg";
import { withSession } from "../connection";
import { explainPgError, PgAuditSettingError } from "../core/errors";
import { describeUndeclared, findUndeclared, resetStatement, unresettableError } from "../core/exclusiveMode";
import type { UndeclaredOverride } from "../core/undeclared";
import { readFacts, readOverrideRows } from "../catalog/overrideStore";
import { assertServerSupports, decodeStoredSettings } from "../core/scopePlan";
import { BatchFailure, readScopes, readServerFacts, runBatch } from "../catalog/scopeStore";
import { checkScopesInputs, diffScopes, parseScopesState } from "./lifecycle";
import { planScopesApply, problemsError, unknownSettingProblems, type BatchStatement } from "./plan";
import type { OwnedScope, ScopesState } from "./schema";
import { encodeSettingsText } from "../core/settingsText";

/** One resource is one server's declaration; the id only has to be stable. */
export const SCOPES_ID = "pgaudit-scopes";

/** What state keeps: the options, each scope's settings line, and (exclusive only) what is undeclared. */
function outputsOf(state: ScopesState, scopes: readonly OwnedScope[], undeclared?: readonly UndeclaredOverride[]): Record<string, unknown> {
    return {
        connection: state.connection,
        adopt: state.adopt,
        connectDeadlineSeconds: state.connectDeadlineSeconds,
        exclusive: state.exclusive,
        onUnresettable: state.onUnresettable,
        scopes: Object.fromEntries(scopes.map((s) => [s.key, encodeSettingsText(s.settings)])),
        ...(state.exclusive ? { undeclared: [...(undeclared ?? [])] } : {}),
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

/** Runs `work` in a transaction whose writes go out with the COMMIT; any failure rolls all of it back. */
async function inTransaction<T>(client: pg.ClientBase, user: string, work: () => Promise<{ statements: BatchStatement[]; result: T }>): Promise<T> {
    await client.query("BEGIN");
    let statements: BatchStatement[] = [];
    try {
        const planned = await work();
        statements = planned.statements;
        await runBatch(client, [...statements.map((s) => s.sql), "COMMIT"]);
        return planned.result;
    } catch (err) {
        await client.query("ROLLBACK").catch(() => undefined);
        throw explainFailure(err, statements, user);
    }
}

/** Makes the server hold exactly `state`'s scopes; `olds` (update) are the scopes owned so far. */
async function apply(state: ScopesState, olds?: ScopesState): Promise<Record<string, unknown>> {
    const removed = olds ? olds.scopes.filter((o) => !state.scopes.some((s) => s.key === o.key)) : [];
    const owned = new Set(olds?.scopes.map((s) => s.key) ?? []);
    return withSession(state.connection, state.connectDeadlineSeconds, async (session) => {
        const facts = await readServerFacts(session);
        assertServerSupports(facts, []);
        const unknown = unknownSettingProblems(state.scopes, facts);
        if (unknown.length > 0) throw problemsError(unknown);
        const { client } = session;
        return inTransaction(client, facts.currentUser, async () => {
            const snapshots = await readScopes(
                client,
                [...state.scopes, ...removed].map((s) => s.scope),
            );
            const plan = planScopesApply({
                declared: state.scopes,
                declaredSnapshots: snapshots.slice(0, state.scopes.length),
                removed,
                removedSnapshots: snapshots.slice(state.scopes.length),
                newlyOwned: (key) => !owned.has(key),
                adopt: state.adopt,
            });
            if (plan.problems.length > 0) throw problemsError(plan.problems);
            let left: UndeclaredOverride[] = [];
            if (state.exclusive) {
                const declared = [...state.scopes, ...removed].map((s) => s.scope);
                const undeclared = findUndeclared(await readOverrideRows(client), declared, await readFacts(client));
                left = undeclared.filter((o) => !o.resettable);
                if (left.length > 0 && state.onUnresettable === "fail") throw unresettableError(left);
                for (const o of undeclared.filter((u) => u.resettable)) {
                    plan.statements.push({ sql: resetStatement(o), target: `undeclared ${describeUndeclared(o)}` });
                }
            }
            return { statements: plan.statements, result: outputsOf(state, state.scopes, left) };
        });
    });
}

/** The dynamic provider of PgAuditScopes (loaded by name from __provider). */
export const pgAuditScopesProvider: pulumi.dynamic.ResourceProvider = {
    async check(_olds, news) {
        return checkScopesInputs(news);
    },

    async diff(_id, olds, news) {
        return { changes: diffScopes(olds, news).changes, replaces: [] };
    },

    async create(props) {
        return { id: SCOPES_ID, outs: await apply(parseScopesState(props)) };
    },

    /** Every scope in one query; a scope whose database or role is gone drops out (its settings went with it). */
    async read(id, props) {
        const state = parseScopesState(props);
        return withSession(state.connection, state.connectDeadlineSeconds, async ({ client }) => {
            let found: OwnedScope[];
            let undeclared: UndeclaredOverride[] | undefined;
            try {
                const snapshots = await readScopes(
                    client,
                    state.scopes.map((s) => s.scope),
                );
                found = state.scopes.flatMap((s, i) => (snapshots[i].exists ? [{ ...s, settings: decodeStoredSettings(snapshots[i].entries) }] : []));
                if (state.exclusive) {
                    const declared = state.scopes.map((s) => s.scope);
                    undeclared = findUndeclared(await readOverrideRows(client), declared, await readFacts(client));
                }
            } catch (err) {
                throw explainPgError(err, { action: "reading the pgaudit settings of the declared scopes", user: state.connection.user });
            }
            const outs = outputsOf(state, found, undeclared);
            const { undeclared: _output, ...inputs } = outs;
            return { id, props: outs, inputs };
        });
    },

    async update(_id, olds, news) {
        return { outs: await apply(parseScopesState(news), parseScopesState(olds)) };
    },

    /** RESETs every owned scope in one transaction; exclusive mode leaves nothing to undo (a reset is not restored). */
    async delete(_id, props) {
        const state = parseScopesState(props);
        await withSession(state.connection, state.connectDeadlineSeconds, async (session) => {
            const facts = await readServerFacts(session);
            const { client } = session;
            await inTransaction(client, facts.currentUser, async () => {
                const snapshots = await readScopes(
                    client,
                    state.scopes.map((s) => s.scope),
                );
                const plan = planScopesApply({
                    declared: [],
                    declaredSnapshots: [],
                    removed: state.scopes,
                    removedSnapshots: snapshots,
                    newlyOwned: () => false,
                    adopt: true,
                });
                return { statements: plan.statements, result: undefined };
            });
        });
    },
};
