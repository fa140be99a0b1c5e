/**
 * Validation at construction: the check the provider runs at `pulumi preview`, run while the
 * program runs, so that a program under `pulumi.runtime.setMocks` (where providers never run)
 * fails on bad input as a preview would. Values that are Outputs are checked when they resolve.
 */
import * as pulumi from "@pulumi/pulumi";
import { PgAuditInputError } from "../../model/errors";
import { isPlain } from "../../model/known";
import { failureLines, UNKNOWN } from "../../model/inputFailures";
import type { CheckOutcome } from "./dynamicInputs";

/** The value with every Output or promise in it replaced by the engine's unknown sentinel. */
function knownPart(value: unknown): unknown {
    if (isPlain(value)) return value;
    if (pulumi.Output.isInstance(value) || typeof (value as { then?: unknown }).then === "function") return UNKNOWN;
    if (Array.isArray(value)) return value.map(knownPart);
    return Object.fromEntries(Object.entries(value as object).map(([k, v]) => [k, knownPart(v)]));
}

/**
 * Checks `props` now as far as they are known, and each property that holds an Output again once
 * it resolves (its value is passed on unchanged, with its secretness and dependencies). Throws
 * PgAuditInputError naming every failure. Returns the props to hand to the dynamic resource; a
 * plain property named in `sendChecked` goes as check wrote it (PgAuditScopes' list as its text),
 * so the program pays for one check of it, not a check and a conversion.
 */
export function checkedAtConstruction<T extends Record<string, unknown>>(
    subject: string,
    props: T,
    check: (props: Record<string, unknown>) => CheckOutcome,
    sendChecked: readonly (keyof T & string)[] = [],
): T {
    const known = knownPart(props) as Record<string, unknown>;
    const assertValid = (candidate: Record<string, unknown>) => {
        const outcome = check(candidate);
        if (outcome.failures.length > 0) throw new PgAuditInputError(subject, failureLines(outcome.failures));
        return outcome.inputs;
    };
    const checked = assertValid(known);
    const out: Record<string, unknown> = { ...props };
    for (const key of sendChecked) if (isPlain(props[key]) && checked[key] !== undefined) out[key] = checked[key];
    for (const [key, value] of Object.entries(props)) {
        if (isPlain(value)) continue;
        const deferred: pulumi.Output<unknown> = pulumi.output(value as pulumi.Input<object>);
        out[key] = deferred.apply((resolved) => {
            assertValid({ ...known, [key]: resolved });
            return resolved;
        });
    }
    return out as T;
}
