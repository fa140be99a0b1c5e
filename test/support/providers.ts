/**
 * The package's dynamic providers as the tests call them: inputs and state typed as records
 * whose values each test narrows where it reads them (@pulumi/pulumi types them `any` and every
 * method optional). A create or update that returns no state fails the test there.
 */
import assert from "node:assert/strict";
import type * as pulumi from "@pulumi/pulumi";
import * as product from "../../provider";

/** A resource's inputs or state: property names to values. */
type State = Record<string, unknown>;

export interface StateProvider {
    check(olds: State, news: State): Promise<pulumi.dynamic.CheckResult<State>>;
    diff(id: string, olds: State, news: State): Promise<pulumi.dynamic.DiffResult>;
    create(inputs: State): Promise<{ id: string; outs: State }>;
    read(id: string, props: State): Promise<pulumi.dynamic.ReadResult<State>>;
    update(id: string, olds: State, news: State): Promise<{ outs: State }>;
    delete(id: string, props: State): Promise<void>;
}

function typed(name: string, untyped: pulumi.dynamic.ResourceProvider): StateProvider {
    const provider = untyped as pulumi.dynamic.ResourceProvider<State, State>;
    const { check, diff, read, update } = provider;
    const remove = provider.delete;
    assert.ok(check && diff && read && update && remove, `${name} lacks a method`);
    return {
        check: (olds, news) => check.call(provider, olds, news),
        diff: (id, olds, news) => diff.call(provider, id, olds, news),
        async create(inputs) {
            const { id, outs } = await provider.create(inputs);
            assert.ok(outs, `${name}.create returned no state`);
            return { id, outs };
        },
        read: (id, props) => read.call(provider, id, props),
        async update(id, olds, news) {
            const { outs } = await update.call(provider, id, olds, news);
            assert.ok(outs, `${name}.update returned no state`);
            return { outs };
        },
        delete: (id, props) => remove.call(provider, id, props),
    };
}

export const pgAuditSettingProvider = typed("pgAuditSettingProvider", product.pgAuditSettingProvider);
export const pgAuditScopesProvider = typed("pgAuditScopesProvider", product.pgAuditScopesProvider);
export const pgAuditExclusiveProvider = typed("pgAuditExclusiveProvider", product.pgAuditExclusiveProvider);
export const pgAuditObjectAuditProvider = typed("pgAuditObjectAuditProvider", product.pgAuditObjectAuditProvider);
