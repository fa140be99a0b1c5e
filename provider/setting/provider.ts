/**
 * The dynamic provider of PgAuditSetting: create, read, update and delete one scope's pgaudit
 * settings. check and diff are pure (lifecycle.ts); the other methods open one pooled session
 * each and write in one transaction.
 */
import type * as pulumi from "@pulumi/pulumi";
import { withSession } from "../connection";
import { PgAuditSettingError } from "../core/errors";
import { checkInputs, diffInputs, parseInputs, parseState } from "./lifecycle";
import { assertNoForeignSettings, assertServerSupports, decodeStoredSettings, planScopeReset, planScopeStatements } from "../core/scopePlan";
import type { PgAuditSettingInputs } from "../core/schema";
import { scopeId } from "../core/scopeKey";
import { explainedFor, readScope, readServerFacts, runStatements } from "../catalog/scopeStore";
import { SETTING_KEYS, type SettingValues } from "../core/settings";
import { describeScope, type Scope } from "../core/sql";

export { scopeId } from "../core/scopeKey";

function scopeOf(inputs: PgAuditSettingInputs): Scope {
    return {
        ...(inputs.database !== undefined ? { database: inputs.database } : {}),
        ...(inputs.role !== undefined ? { role: inputs.role } : {}),
    };
}

function declaredKeys(settings: SettingValues) {
    return SETTING_KEYS.filter((key) => settings[key] !== undefined);
}

/** The state kept for a resource: its validated inputs plus a readable scope. */
function outputsOf(inputs: PgAuditSettingInputs, settings: SettingValues = inputs.settings): Record<string, unknown> {
    return { ...inputs, settings, scope: describeScope(scopeOf(inputs)) };
}

/** Makes the scope hold exactly the declared settings. At create, foreign settings stop it unless adopted. */
async function apply(inputs: PgAuditSettingInputs, action: "creating" | "updating"): Promise<void> {
    const scope = scopeOf(inputs);
    await withSession(inputs.connection, inputs.connectDeadlineSeconds, async (session) => {
        const facts = await readServerFacts(session);
        assertServerSupports(facts, declaredKeys(inputs.settings));
        await explainedFor(session, facts.currentUser, scope, `${action} pgaudit settings of`, async (client) => {
            const snapshot = await readScope(client, scope);
            if (!snapshot.exists) {
                throw new PgAuditSettingError(
                    `${describeScope(scope)} cannot hold settings: ${snapshot.missing} does not exist; create it first (or fix the name; names are case-sensitive)`,
                );
            }
            if (action === "creating") assertNoForeignSettings(scope, snapshot.entries, inputs.settings, inputs.adopt);
            await runStatements(client, planScopeStatements(scope, snapshot.entries, inputs.settings));
        });
    });
}

/** The dynamic provider of PgAuditSetting (loaded by name from __provider). */
export const pgAuditSettingProvider: pulumi.dynamic.ResourceProvider = {
    async check(_olds, news) {
        return checkInputs(news);
    },

    async diff(_id, olds, news) {
        const { changes, replaces } = diffInputs(olds, news);
        return { changes, replaces };
    },

    async create(props) {
        const inputs = parseInputs(props);
        await apply(inputs, "creating");
        return { id: scopeId(scopeOf(inputs)), outs: outputsOf(inputs) };
    },

    async read(id, props) {
        const state = parseState(props);
        const scope = scopeOf(state);
        const snapshot = await withSession(state.connection, state.connectDeadlineSeconds, (session) => readScope(session.client, scope));
        if (!snapshot.exists) return {};
        const found = outputsOf(state, decodeStoredSettings(snapshot.entries));
        const { scope: _described, ...inputs } = found;
        return { id, props: found, inputs };
    },

    async update(_id, _olds, news) {
        const inputs = parseInputs(news);
        await apply(inputs, "updating");
        return { outs: outputsOf(inputs) };
    },

    async delete(_id, props) {
        const state = parseState(props);
        const scope = scopeOf(state);
        await withSession(state.connection, state.connectDeadlineSeconds, async (session) => {
            const facts = await readServerFacts(session);
            await explainedFor(session, facts.currentUser, scope, "resetting pgaudit settings of", async (client) => {
                const snapshot = await readScope(client, scope);
                // A dropped database or role took its settings with it.
                if (snapshot.exists) await runStatements(client, planScopeReset(scope, snapshot.entries));
            });
        });
    },
};
