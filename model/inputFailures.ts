/**
 * zod issues as the failures people read: the field and the fix, never the value (a connection's
 * password must not reach a message). One translator for every resource's check, the component's
 * arguments and construction; what differs between them is data (which keys each object takes,
 * better sentences for likely mistakes) and how a path is spelled.
 */
import type { z } from "zod";
import { CONNECTION_KEYS } from "./connectionSpec";

/** The engine's placeholder for a value not known at preview (`runtime/rpc.ts` unknownValue). */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** A failure as Pulumi shows it at preview: `settings.log[1]: is not a pgaudit class …`. */
export interface InputFailure {
    readonly property: string;
    readonly reason: string;
}

/** `settings.log[1]` from zod's path: how the engine names a property. */
export function propertyPath(path: readonly PropertyKey[]): string {
    return path.reduce<string>((acc, part) => (typeof part === "number" ? `${acc}[${part}]` : acc ? `${acc}.${String(part)}` : String(part)), "");
}

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** `databases["shop"].log[1]` under `base`: the field as a user writes it in TypeScript. */
function fieldPath(base: string, path: readonly PropertyKey[]): string {
    return path.reduce<string>((acc, part) => {
        if (typeof part === "number") return `${acc}[${part}]`;
        const key = String(part);
        if (acc === "") return key;
        return IDENTIFIER.test(key) ? `${acc}.${key}` : `${acc}[${JSON.stringify(key)}]`;
    }, base);
}

/** The sentence for a missing or mistyped connection, the same on every resource. */
const CONNECTION_REQUIRED = `is required: a PostgreSQL URI (postgresql://user:password@host:port/db?sslmode=require) or { ${CONNECTION_KEYS.join(", ")} }`;

/** What a translator knows of the inputs it reads. */
export interface InputRules {
    /** The keys the object at a property path takes (`""` is the top); listed for an unknown key. */
    readonly knownKeys: (at: string) => readonly string[] | undefined;
    /** What an unknown key is called in the sentence: "property" (default) or "setting". */
    readonly keyNoun?: string;
    /** Better sentences for keys people often write by mistake (`log` for `logs`), by key. */
    readonly keyHints?: Readonly<Record<string, string>>;
    /** A better reason for an issue, or undefined to keep zod's message (the schema's own words). */
    readonly reason?: (issue: z.core.$ZodIssue, at: string) => string | undefined;
    /** How a path is spelled; default: the engine's `propertyPath`. */
    readonly path?: (path: readonly PropertyKey[]) => string;
}

/** The top-level keys and the connection's: what every resource's rules start from. */
export function resourceKeys(top: readonly string[], more: (at: string) => readonly string[] | undefined = () => undefined) {
    return (at: string): readonly string[] | undefined => (at === "" ? top : at === "connection" ? CONNECTION_KEYS : more(at));
}

/** One failure per issue (one per unknown key), each naming the field and the fix. */
export function inputFailures(error: z.ZodError, rules: InputRules): InputFailure[] {
    const spell = rules.path ?? propertyPath;
    return error.issues.flatMap((issue) => {
        const at = propertyPath(issue.path);
        if (issue.code === "unrecognized_keys") {
            return issue.keys.map((key) => ({
                property: spell([...issue.path, key]),
                reason: rules.keyHints?.[key] ?? `is not a known ${rules.keyNoun ?? "property"}; expected one of ${(rules.knownKeys(at) ?? []).join(", ")}`,
            }));
        }
        if (issue.code === "invalid_type" && at === "connection") return [{ property: spell(issue.path), reason: CONNECTION_REQUIRED }];
        return [{ property: spell(issue.path), reason: rules.reason?.(issue, at) ?? issue.message }];
    });
}

/** Failures as the lines of an error message: `<property>: <reason>`. */
export function failureLines(failures: readonly InputFailure[]): string[] {
    return failures.map((f) => `${f.property}: ${f.reason}`);
}

/** What to say about a key the schema does not know. */
export interface KeyHelp {
    /** The keys the object takes, listed in the message. */
    readonly known: readonly string[];
    /** A better sentence for keys people often write by mistake (`log` for `logs`). */
    readonly hints?: Readonly<Record<string, string>>;
}

/** One line per zod issue under `base`: `<field>: <what is wrong and how to fix it>`. */
export function describeIssues(error: z.ZodError, base: string, keys: KeyHelp): string[] {
    return failureLines(inputFailures(error, { knownKeys: () => keys.known, keyNoun: "setting", keyHints: keys.hints, path: (path) => fieldPath(base, path) }));
}
