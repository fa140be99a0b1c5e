/** The compliance baselines this package ships, and how a name or a user's own baseline becomes one. */
import { defineBaseline, type Baseline, type BaselineInput } from "./baseline";
import { cisBaseline } from "./cis";
import { stigBaseline } from "./stig";

export * from "./baseline";
export { stigBaseline } from "./stig";
export { cisBaseline } from "./cis";
export * from "./evaluate";

/** The shipped baselines, by name. */
export const BASELINES: Readonly<Record<string, Baseline>> = { stig: stigBaseline, cis: cisBaseline };

/** A shipped baseline by name, or a baseline object validated; throws naming the known names or the wrong field. */
export function resolveBaseline(value: string | BaselineInput): Baseline {
    if (typeof value === "string") {
        const found = BASELINES[value];
        if (!found) throw new Error(`unknown baseline "${value}"; expected one of ${Object.keys(BASELINES).join(", ")}, or a baseline object (defineBaseline)`);
        return found;
    }
    return defineBaseline(value);
}
