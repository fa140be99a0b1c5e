/**
 * Pulumi's unit-test mocks with the inputs typed as the records they are: @pulumi/pulumi hands
 * them to the mocks as `any`.
 */
import * as pulumi from "@pulumi/pulumi";

type WithInputs<A> = Omit<A, "inputs"> & { readonly inputs: Record<string, unknown> };

export interface Mocks {
    newResource(args: WithInputs<pulumi.runtime.MockResourceArgs>): { id: string | undefined; state: Record<string, unknown> };
    call(args: WithInputs<pulumi.runtime.MockCallArgs>): Record<string, unknown>;
}

/**
 * Installs `mocks` for the whole process (not a preview). pulumi.runtime.setMocks does all its
 * work before it returns; its promise has nothing left to wait for.
 */
export function setMocks(mocks: Mocks, project: string, stack: string): void {
    void pulumi.runtime.setMocks(mocks, project, stack, false);
}
