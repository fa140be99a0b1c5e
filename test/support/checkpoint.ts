/** Reading a `pulumi stack export` checkpoint in tests: a resource looked for must be there. */
import assert from "node:assert/strict";
import type { Deployment, ExportedResource } from "../../sandbox/pulumiCli";

/** A checkpoint resource with its inputs and outputs (a dynamic resource always has both). */
export type HeldResource = ExportedResource & { readonly inputs: Record<string, unknown>; readonly outputs: Record<string, unknown> };

/** The first resource of the checkpoint that `matches`; fails the test when there is none, or it lacks inputs or outputs. */
export function resourceIn(deployment: Deployment, matches: (r: ExportedResource) => boolean, what: string): HeldResource {
    const found = (deployment.resources ?? []).find(matches);
    assert.ok(found, `no ${what} in the checkpoint`);
    assert.ok(found.inputs && found.outputs, `${found.urn} has no inputs or outputs in the checkpoint`);
    return { ...found, inputs: found.inputs, outputs: found.outputs };
}
