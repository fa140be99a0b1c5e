/**
 * What every dynamic resource here does with the properties the host hands it: drop the host's
 * own (`__provider`), leave values unknown at preview unjudged, validate the rest with zod, and
 * report failures that name the property.
 */
import type * as pulumi from "@pulumi/pulumi";
import type { z } from "zod";
import { failureLines, propertyPath, UNKNOWN, type InputFailure } from "../../model/inputFailures";

/** Properties as the dynamic provider host hands them to a provider: plain JSON (`any` in Pulumi's interface). */
export type EngineProps = Record<string, unknown>;

/** Our own properties: not the host's `__provider`, not values the engine left undefined. */
export function ownProperties(props: Record<string, unknown>): Record<string, unknown> {
    return Object.fromEntries(Object.entries(props).filter(([key, value]) => !key.startsWith("__") && value !== undefined));
}

/** Paths (as `a.b[1]`) whose value is unknown at preview. One path stack for the walk: at 10,000 scopes a copy a node was most of check's own time. */
function unknownPaths(value: unknown): string[] {
    const out: string[] = [];
    const path: PropertyKey[] = [];
    const walk = (v: unknown): void => {
        if (v === UNKNOWN) out.push(propertyPath(path));
        else if (Array.isArray(v)) {
            for (let i = 0; i < v.length; i++) {
                path.push(i);
                walk(v[i]);
                path.pop();
            }
        } else if (v !== null && typeof v === "object") {
            for (const k of Object.keys(v)) {
                path.push(k);
                walk((v as Record<string, unknown>)[k]);
                path.pop();
            }
        }
    };
    walk(value);
    return out;
}

/** Whether any value under `value` is unknown at preview; stops at the first. */
export function hasUnknown(value: unknown): boolean {
    if (value === UNKNOWN) return true;
    if (Array.isArray(value)) return value.some(hasUnknown);
    if (value !== null && typeof value === "object") {
        for (const k of Object.keys(value)) if (hasUnknown((value as Record<string, unknown>)[k])) return true;
    }
    return false;
}

const under = (property: string, root: string) => root === "" || property === root || property.startsWith(`${root}.`) || property.startsWith(`${root}[`);

export interface CheckOutcome {
    readonly inputs: Record<string, unknown>;
    readonly failures: InputFailure[];
}

/**
 * Validates and normalizes inputs, all failures at once. With unknowns, the inputs go on as given
 * (they cannot be normalized yet) and failures under an unknown path are dropped.
 */
export function checkWith(schema: z.ZodType, props: Record<string, unknown>, toFailures: (error: z.ZodError) => InputFailure[]): CheckOutcome {
    const unknowns = unknownPaths(props);
    const parsed = schema.safeParse(props);
    if (parsed.success) return { inputs: unknowns.length ? props : (parsed.data as Record<string, unknown>), failures: [] };
    const failures = toFailures(parsed.error).filter((f) => !unknowns.some((u) => under(f.property, u)));
    return { inputs: props, failures };
}

/**
 * A provider's check and diff: the pure functions of its lifecycle.ts, as the host calls them.
 * Diff reports only what the engine reads (whether anything changes, what forces a replace).
 */
export function checkAndDiff(
    check: (news: EngineProps, olds: EngineProps) => CheckOutcome,
    diff: (olds: EngineProps, news: EngineProps) => { readonly changes: boolean; readonly replaces?: readonly string[] },
): Pick<Required<pulumi.dynamic.ResourceProvider>, "check" | "diff"> {
    return {
        check: async (olds: EngineProps, news: EngineProps) => check(news, olds),
        diff: async (_id: string, olds: EngineProps, news: EngineProps) => {
            const { changes, replaces = [] } = diff(olds, news);
            return { changes, replaces: [...replaces] };
        },
    };
}

/** Parses properties that check has already accepted; a failure here is a bug or a corrupt state. */
export function parseOrThrow<S extends z.ZodType>(
    resource: string,
    schema: S,
    props: Record<string, unknown>,
    toFailures: (error: z.ZodError) => InputFailure[],
): z.output<S> {
    const parsed = schema.safeParse(ownProperties(props));
    if (!parsed.success) {
        throw new Error(`invalid ${resource} properties: ${failureLines(toFailures(parsed.error)).join("; ")}`);
    }
    return parsed.data;
}
