/**
 * Validation as early as the values allow. Plain values are checked while the program runs, so bad
 * input fails `pulumi preview` before anything is registered. Values that are Outputs can only be
 * checked once they resolve: in an apply, which still fails the preview when they are known then.
 */
import * as pulumi from "@pulumi/pulumi";

/** True when the value holds no Output or promise at any depth. */
export function isPlain(value: unknown): boolean {
    if (pulumi.Output.isInstance(value)) return false;
    if (value === null || typeof value !== "object") return true;
    if (typeof (value as { then?: unknown }).then === "function") return false;
    if (pulumi.Resource.isInstance(value)) return true;
    return Object.values(value).every(isPlain);
}

/** Runs `check` now on a plain value (so it throws now), or in an apply once the value is known. */
export function whenKnown<R>(value: unknown, check: (plain: unknown) => R): pulumi.Input<R> {
    if (isPlain(value)) return check(value);
    const deferred: pulumi.Output<unknown> = pulumi.output(value as pulumi.Input<object>);
    return deferred.apply((plain) => check(plain));
}
