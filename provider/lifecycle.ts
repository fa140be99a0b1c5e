/**
 * check and diff: pure functions of the inputs, so that `pulumi preview` never touches a
 * database. During a preview, inputs that depend on resources not yet created arrive as the
 * engine's unknown sentinel; they are neither validated nor compared.
 */
import type { z } from "zod";
import { propertyPath, pgAuditSettingInputsSchema, pgAuditSettingStateSchema, toInputFailures, type InputFailure, type PgAuditSettingInputs } from "./schema";
import { changedSettingKeys, type SettingValues } from "./settings";

/** The engine's placeholder for a value not known at preview (`runtime/rpc.ts` unknownValue). */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** Properties the host adds (`__provider`) are not ours to validate. */
function ownProperties(props: Record<string, unknown>): Record<string, unknown> {
    return Object.fromEntries(Object.entries(props).filter(([key]) => !key.startsWith("__")));
}

/** Paths (as `a.b[1]`) whose value is unknown at preview. */
function unknownPaths(value: unknown, path: PropertyKey[] = [], out: string[] = []): string[] {
    if (value === UNKNOWN) out.push(propertyPath(path));
    else if (Array.isArray(value)) value.forEach((v, i) => unknownPaths(v, [...path, i], out));
    else if (value !== null && typeof value === "object") for (const [k, v] of Object.entries(value)) unknownPaths(v, [...path, k], out);
    return out;
}

const under = (property: string, root: string) => root === "" || property === root || property.startsWith(`${root}.`) || property.startsWith(`${root}[`);

export interface CheckOutcome {
    readonly inputs: Record<string, unknown>;
    readonly failures: InputFailure[];
}

/** Validates and normalizes a resource's inputs; all failures at once. */
export function checkInputs(news: Record<string, unknown>): CheckOutcome {
    const props = ownProperties(news);
    const unknowns = unknownPaths(props);
    const parsed = pgAuditSettingInputsSchema.safeParse(props);
    if (parsed.success) {
        return { inputs: unknowns.length ? props : (parsed.data as unknown as Record<string, unknown>), failures: [] };
    }
    const failures = toInputFailures(parsed.error).filter((f) => !unknowns.some((u) => under(f.property, u)));
    return { inputs: props, failures };
}

function parseOrThrow<S extends z.ZodType>(schema: S, props: Record<string, unknown>): z.output<S> {
    const parsed = schema.safeParse(ownProperties(props));
    if (!parsed.success) {
        const failures = toInputFailures(parsed.error).map((f) => `${f.property}: ${f.reason}`);
        throw new Error(`invalid PgAuditSetting properties: ${failures.join("; ")}`);
    }
    return parsed.data;
}

/** Parses inputs that check has already accepted (create, update). */
export function parseInputs(props: Record<string, unknown>): PgAuditSettingInputs {
    return parseOrThrow(pgAuditSettingInputsSchema, props);
}

/** Parses a resource's state (read, delete): a scope found empty by refresh is valid state. */
export function parseState(props: Record<string, unknown>): PgAuditSettingInputs {
    return parseOrThrow(pgAuditSettingStateSchema, props);
}

export interface DiffOutcome {
    readonly changes: boolean;
    readonly replaces: string[];
    /** Why there are changes, for tests and messages: property names. */
    readonly changed: string[];
}

function sameJson(a: unknown, b: unknown): boolean {
    return JSON.stringify(sortKeys(a)) === JSON.stringify(sortKeys(b));
}

function sortKeys(value: unknown): unknown {
    if (Array.isArray(value)) return value.map(sortKeys);
    if (value !== null && typeof value === "object") {
        return Object.fromEntries(
            Object.keys(value)
                .sort()
                .map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]),
        );
    }
    return value;
}

/**
 * Compares the last state with new inputs. A scope change replaces; settings compare by meaning
 * (pgaudit.log as a bitmap); a connection change is an update so that the credentials delete
 * will use stay current.
 */
export function diffInputs(olds: Record<string, unknown>, news: Record<string, unknown>): DiffOutcome {
    const replaces = (["database", "role"] as const).filter((k) => olds[k] !== news[k]);
    const changed: string[] = [...replaces];
    const oldSettings = (olds.settings ?? {}) as SettingValues;
    const newSettings = news.settings as SettingValues | string | undefined;
    if (newSettings === undefined || typeof newSettings !== "object" || unknownPaths(newSettings).length > 0) {
        changed.push("settings");
    } else {
        let settingsChanged: boolean;
        try {
            settingsChanged = changedSettingKeys(oldSettings, newSettings).length > 0;
        } catch {
            settingsChanged = true;
        }
        if (settingsChanged) changed.push("settings");
    }
    if (!sameJson(olds.connection, news.connection)) changed.push("connection");
    if ((olds.connectDeadlineSeconds ?? 60) !== (news.connectDeadlineSeconds ?? 60)) changed.push("connectDeadlineSeconds");
    return { changes: changed.length > 0, replaces: [...replaces], changed };
}
