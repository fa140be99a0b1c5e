/**
 * Validation when a resource is constructed: the same check `pulumi preview` runs, on the
 * arguments known while the program runs, so that bad input fails under mocks and before anything
 * is registered. What is an Output or a promise now is left to preview, as the engine leaves
 * unknowns.
 */
import * as pulumi from "@pulumi/pulumi";
import { UNKNOWN } from "./dynamicInputs";
import { PgAuditSettingError } from "./errors";
import type { InputFailure } from "./schema";

/** The value with every Output or promise, at any depth, replaced by the engine's unknown sentinel. */
export function knownNow(value: unknown): unknown {
    if (pulumi.Output.isInstance(value)) return UNKNOWN;
    if (value === null || typeof value !== "object") return value;
    if (typeof (value as { then?: unknown }).then === "function") return UNKNOWN;
    if (Array.isArray(value)) return value.map(knownNow);
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, knownNow(v)]));
}

/** Throws one error listing every failure of `check` on the arguments known now. */
export function assertValidAtConstruction(subject: string, args: object, check: (props: Record<string, unknown>) => { failures: InputFailure[] }): void {
    const { failures } = check(knownNow(args) as Record<string, unknown>);
    if (failures.length > 0) {
        throw new PgAuditSettingError(`${subject} has invalid arguments:\n  - ${failures.map((f) => `${f.property}: ${f.reason}`).join("\n  - ")}`);
    }
}
