/**
 * Plays `pulumi up`, `pulumi refresh` and `pulumi destroy` for one dynamic resource against the
 * SDK's real provider host, in the engine's order: check against the last inputs, diff against the
 * last outputs, then create, update or nothing. The resource is constructed under Pulumi mocks, so
 * the host runs the real serialized `__provider`.
 */
import assert from "node:assert/strict";
import type * as pulumi from "@pulumi/pulumi";
import { EngineHarness, serializeUnderMocks, urnFor, type Props } from "./engineHarness";

export const SCOPES_TYPE = "pulumi-nodejs:dynamic/pgaudit:PgAuditScopes";

/** PgAuditScopes' `scopes` as the engine holds it (one JSON text, an entry a line), as the map it holds. */
export function scopeMapOf(value: unknown): Record<string, string> {
    assert.equal(typeof value, "string", "the engine holds PgAuditScopes' scopes as one text");
    return JSON.parse(value as string) as Record<string, string>;
}
export const SETTING_TYPE = "pulumi-nodejs:dynamic/pgaudit:PgAuditSetting";

/** A resource as the engine keeps it in state. */
export interface Deployed {
    readonly urn: string;
    readonly id: string;
    readonly inputs: Props;
    readonly outputs: Props;
}

/** One `pulumi up` step of a resource: create it, or diff and update it; "same" when diff says no change. */
export async function up(
    host: EngineHarness,
    type: string,
    name: string,
    construct: () => pulumi.CustomResource,
    last?: Deployed,
): Promise<Deployed & { step: "create" | "update" | "same" }> {
    const urn = urnFor(name, type);
    const declared = await serializeUnderMocks(construct);
    const checked = await host.check(urn, last?.inputs ?? {}, declared);
    assert.deepEqual(checked.failures, [], "check failed");
    if (!last) {
        const created = await host.create(urn, checked.inputs);
        return { urn, id: created.id, inputs: checked.inputs, outputs: created.properties, step: "create" };
    }
    const diff = await host.diff(urn, last.id, last.outputs, checked.inputs);
    assert.deepEqual(diff.replaces, [], "never replaced");
    if (diff.changes === "none") return { ...last, step: "same" };
    const updated = await host.update(urn, last.id, last.outputs, checked.inputs);
    return { urn, id: last.id, inputs: checked.inputs, outputs: updated.properties, step: "update" };
}

/** `pulumi refresh` of one resource: what read found becomes the state (inputs too). */
export async function refresh(host: EngineHarness, d: Deployed): Promise<Deployed> {
    const read = await host.read(d.urn, d.id, d.outputs, d.inputs);
    assert.ok(read.inputs, "read returns inputs for the next diff");
    return { urn: d.urn, id: read.id, inputs: read.inputs, outputs: read.properties };
}

export function destroy(host: EngineHarness, d: Deployed): Promise<void> {
    return host.delete(d.urn, d.id, d.outputs, d.inputs);
}
