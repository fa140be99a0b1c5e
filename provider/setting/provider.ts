/**
 * The dynamic provider of PgAuditSetting: create, read, update and delete one scope's pgaudit
 * settings. check and diff are pure (lifecycle.ts); the other methods open one pooled session
 * each and write in one transaction.
 */
import { checkAndDiff, type EngineProps } from "../core/dynamicInputs";
import type * as pulumi from "@pulumi/pulumi";
import { withSession } from "../connection";
import { PgAuditSettingError } from "../../model/errors";
import { checkInputs, diffInputs, parseInputs, parseState } from "./lifecycle";
import { assertNoForeignSettings, assertServerSupports, decodeStoredSettings, planScopeReset, planScopeStatements } from "../core/scopePlan";
import type { PgAuditSettingInputs } from "./schema";
import { scopeId } from "../../model/scope";
import { explainedFor, readScope, readServerFacts, runStatements } from "../catalog/scopeStore";
import { decideClaim, mayRelease, newOwnerId } from "../../model/ownership";
import { beginOwned, claimSql, ensureOwnerTable, evictSql, readOwned, releaseSql } from "../catalog/ownerStore";
import { SETTING_KEYS, type SettingValues } from "../../model/settings";
import { describeScope, type Scope } from "../../model/scope";

export { scopeId } from "../../model/scope";

function scopeOf(inputs: PgAuditSettingInputs): Scope {
    return {
        ...(inputs.database !== undefined ? { database: inputs.database } : {}),
        ...(inputs.role !== undefined ? { role: inputs.role } : {}),
    };
}

function declaredKeys(settings: SettingValues) {
    return SETTING_KEYS.filter((key) => settings[key] !== undefined);
}

/** The state kept for a resource: its validated inputs, a readable scope and its owner id. */
function outputsOf(inputs: PgAuditSettingInputs, ownerId: string | undefined, settings: SettingValues = inputs.settings): Record<string, unknown> {
    return { ...inputs, settings, scope: describeScope(scopeOf(inputs)), ...(ownerId !== undefined ? { ownerId } : {}) };
}

/**
 * Makes the scope hold exactly the declared settings and records `ownerId` as its owner, in one
 * transaction under the owner lock. At create, foreign settings stop it unless adopted, and so
 * does a scope another stack owns; one this stack owns under another id (a rename, a move, a
 * shape switch) is taken over as it stands.
 */
async function apply(inputs: PgAuditSettingInputs, ownerId: string, action: "creating" | "updating", previouslyOwned: boolean): Promise<void> {
    const scope = scopeOf(inputs);
    const key = scopeId(scope);
    await withSession(inputs.connection, inputs.connectDeadlineSeconds, async (session) => {
        const facts = await readServerFacts(session);
        assertServerSupports(facts, declaredKeys(inputs.settings));
        await ensureOwnerTable(session);
        await explainedFor(session, facts.currentUser, scope, `${action} pgaudit settings of`, async (client) => {
            try {
                const records = await beginOwned(client, [key]);
                const snapshot = await readScope(client, scope);
                if (!snapshot.exists) {
                    throw new PgAuditSettingError(
                        `${describeScope(scope)} cannot hold settings: ${snapshot.missing} does not exist; create it first (or fix the name; names are case-sensitive)`,
                    );
                }
                const decision = decideClaim({
                    scope,
                    records: records.of(key),
                    claimant: { id: ownerId, label: inputs.owner },
                    previouslyOwned,
                    adopt: inputs.adopt,
                });
                if (decision.kind === "refuse") throw new PgAuditSettingError(`PgAuditSetting changed nothing: ${decision.problem}`);
                // Values another resource of this stack wrote are this stack's declaration, not foreign.
                if (action === "creating" && !decision.handover) assertNoForeignSettings(scope, snapshot.entries, inputs.settings, inputs.adopt);
                const statements = planScopeStatements(scope, snapshot.entries, inputs.settings);
                const evict = evictSql(decision.evict.map((id) => [key, id] as const));
                await runStatements(client, [...statements, ...(evict ? [evict] : []), claimSql([key], ownerId, inputs.owner)!, "COMMIT"]);
            } catch (err) {
                await client.query("ROLLBACK").catch(() => undefined);
                throw err;
            }
        });
    });
}

/** The dynamic provider of PgAuditSetting (loaded by name from __provider). */
export const pgAuditSettingProvider: pulumi.dynamic.ResourceProvider = {
    ...checkAndDiff(checkInputs, diffInputs),

    async create(props: EngineProps) {
        const inputs = parseInputs(props);
        const ownerId = newOwnerId();
        await apply(inputs, ownerId, "creating", false);
        return { id: scopeId(scopeOf(inputs)), outs: outputsOf(inputs, ownerId) };
    },

    /**
     * The scope as found. A scope whose owner record names another resource is no longer this
     * one's: it is gone from this stack's point of view (the next up's create says who owns it).
     * State older than owner records claims the scope here when nobody else has.
     */
    async read(id: string, props: EngineProps) {
        const state = parseState(props);
        const scope = scopeOf(state);
        const key = scopeId(scope);
        return withSession(state.connection, state.connectDeadlineSeconds, async (session) => {
            const read = await readOwned(session, key, state, async (client) => {
                const snapshot = await readScope(client, scope);
                return snapshot.exists ? snapshot : undefined;
            });
            if (!read) return {};
            const found = outputsOf(state, read.ownerId, decodeStoredSettings(read.found.entries));
            const { scope: _described, ownerId: _id, ...inputs } = found;
            return { id, props: found, inputs };
        });
    },

    async update(_id: string, olds: EngineProps, news: EngineProps) {
        const inputs = parseInputs(news);
        const previous = parseState(olds);
        // A connection to another server replaces (diff), so olds and news name one server here.
        const ownerId = previous.ownerId ?? newOwnerId();
        await apply(inputs, ownerId, "updating", previous.ownerId !== undefined);
        return { outs: outputsOf(inputs, ownerId) };
    },

    /** RESETs the scope only when no other resource holds it: a rename's new resource has joined it by now. */
    async delete(_id: string, props: EngineProps) {
        const state = parseState(props);
        const scope = scopeOf(state);
        const key = scopeId(scope);
        await withSession(state.connection, state.connectDeadlineSeconds, async (session) => {
            const facts = await readServerFacts(session);
            const present = await ensureOwnerTable(session, false);
            await explainedFor(session, facts.currentUser, scope, "resetting pgaudit settings of", async (client) => {
                try {
                    const records = await beginOwned(client, [key], present);
                    const snapshot = await readScope(client, scope);
                    const statements: string[] = [];
                    // A dropped database or role took its settings with it.
                    if (mayRelease(records.of(key), state.ownerId) && snapshot.exists) statements.push(...planScopeReset(scope, snapshot.entries));
                    const release = present ? releaseSql([key], state.ownerId) : undefined;
                    if (release) statements.push(release);
                    await runStatements(client, [...statements, "COMMIT"]);
                } catch (err) {
                    await client.query("ROLLBACK").catch(() => undefined);
                    throw err;
                }
            });
        });
    },
};
