/**
 * The dynamic provider of PgAuditExclusive: pgaudit overrides at scopes the stack does not
 * declare show at refresh (in the `undeclared` output) and are reset at the next apply. Only
 * pgaudit.* parameters are ever read or reset.
 */
import { checkAndDiff, type EngineProps } from "../core/dynamicInputs";
import type * as pulumi from "@pulumi/pulumi";
import { checkExclusiveInputs, diffExclusive, parseExclusiveInputs, parseExclusiveState } from "./lifecycle";
import type { UndeclaredOverride } from "../../model/undeclared";
import type { ExclusiveInputs } from "./schema";
import { readUndeclared, resetUndeclared } from "../catalog/overrideStore";

/** One server has one set of overrides; the id only has to be stable. */
const EXCLUSIVE_ID = "pgaudit-exclusive";

function outputsOf(inputs: ExclusiveInputs, undeclared: readonly UndeclaredOverride[]): Record<string, unknown> {
    return { ...inputs, undeclared };
}

async function apply(inputs: ExclusiveInputs): Promise<Record<string, unknown>> {
    const left = await resetUndeclared(inputs.connection, inputs.connectDeadlineSeconds, inputs.declaredScopes, inputs.onUnresettable);
    return outputsOf(inputs, left);
}

/** The dynamic provider of PgAuditExclusive (loaded by name from __provider). */
export const pgAuditExclusiveProvider: pulumi.dynamic.ResourceProvider = {
    ...checkAndDiff(checkExclusiveInputs, diffExclusive),

    async create(props: EngineProps) {
        return { id: EXCLUSIVE_ID, outs: await apply(parseExclusiveInputs(props)) };
    },

    async read(id: string, props: EngineProps) {
        const { undeclared: _last, ...inputs } = parseExclusiveState(props);
        const undeclared = await readUndeclared(inputs.connection, inputs.connectDeadlineSeconds, inputs.declaredScopes);
        return { id, props: outputsOf(inputs, undeclared), inputs };
    },

    async update(_id: string, _olds: EngineProps, news: EngineProps) {
        return { outs: await apply(parseExclusiveInputs(news)) };
    },

    /**
     * Nothing to undo: this resource created no setting. Turning exclusive mode off means "stop
     * resetting", not "restore what was reset" (that is gone), and the declared scopes belong to
     * their own PgAuditSetting resources, which reset them on their own delete.
     */
    async delete() {},
};
