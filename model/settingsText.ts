/**
 * One scope's settings as one line of text, the form PgAuditScopes keeps in state:
 * `log=ddl,role; logCatalog=false; role=auditor`. One line a scope keeps the checkpoint small
 * (the file backend rewrites it, indented, after every step) and makes `pulumi preview --diff`
 * show a changed scope on one line: `~ role/app: "log=ddl" => "log=ddl,role"`.
 *
 * Keys are the camelCase input keys in definition order. Lists are comma-joined, booleans and
 * numbers bare; a string is bare when it is a plain word, else a JSON string literal, so that a
 * value typed by hand that this package cannot read (`log="reed"`) still round-trips and shows.
 */
import { SETTING_DEFINITIONS, SETTING_KEYS, type SettingKey, type SettingValue, type SettingValues } from "./settings";
import { settingsSchema } from "./settingsSchema";

const WORD = /^[A-Za-z0-9_]+$/;
const JSON_STRING = /^"(?:[^"\\]|\\.)*"/;
const BARE = /^[^;"]*/;

function encodeValue(key: SettingKey, value: SettingValue): string {
    if (Array.isArray(value)) return value.join(",");
    if (typeof value !== "string") return String(value);
    const kind: string = SETTING_DEFINITIONS[key].kind;
    return (kind === "level" || kind === "text") && WORD.test(value) ? value : JSON.stringify(value);
}

/** A scope's settings as one line of state text: log=ddl,role; logCatalog=false. */
export function encodeSettingsText(values: SettingValues): string {
    return SETTING_KEYS.filter((key) => values[key] !== undefined)
        .map((key) => `${key}=${encodeValue(key, values[key]!)}`)
        .join("; ");
}

function decodeBare(key: SettingKey, text: string): SettingValue | undefined {
    switch (SETTING_DEFINITIONS[key].kind as string) {
        case "log":
            return /^[-a-z_,]*$/.test(text) ? (text === "" ? [] : text.split(",")) : undefined;
        case "bool":
            return text === "true" ? true : text === "false" ? false : undefined;
        case "int":
            // Only the decimal encodeSettingsText writes: a hand-edited "010" is refused, not misread.
            return /^-?(0|[1-9]\d*)$/.test(text) ? Number(text) : undefined;
        default:
            return WORD.test(text) ? text : undefined;
    }
}

/** The settings a line of text holds; throws on text encodeSettingsText cannot have written. */
export function decodeSettingsText(text: string): SettingValues {
    const values: SettingValues = {};
    let rest = text;
    while (rest !== "") {
        const head = /^([A-Za-z]+)=/.exec(rest);
        const key = head && (SETTING_KEYS as readonly string[]).includes(head[1]) ? (head[1] as SettingKey) : undefined;
        if (!head || !key || values[key] !== undefined) throw new Error(`not a pgaudit settings line: ${JSON.stringify(text)}`);
        rest = rest.slice(head[0].length);
        const quoted = JSON_STRING.exec(rest);
        const raw = quoted ? quoted[0] : BARE.exec(rest)![0];
        const value = quoted ? (JSON.parse(raw) as string) : decodeBare(key, raw);
        if (value === undefined) throw new Error(`not a pgaudit settings line: ${JSON.stringify(text)}`);
        values[key] = value;
        rest = rest.slice(raw.length);
        if (rest.startsWith("; ")) rest = rest.slice(2);
        else if (rest !== "") throw new Error(`not a pgaudit settings line: ${JSON.stringify(text)}`);
    }
    return values;
}

/**
 * A state map of key → settings line read back: each key through `parseKey`, each line decoded;
 * the keys whose key or line this package did not write are returned apart, for a state schema
 * to refuse by name.
 */
export function decodeSettingsMap<K>(
    map: Readonly<Record<string, string>>,
    parseKey: (key: string) => K | undefined,
): { readonly decoded: { key: string; at: K; settings: SettingValues }[]; readonly refused: string[] } {
    const decoded: { key: string; at: K; settings: SettingValues }[] = [];
    const refused: string[] = [];
    // Scopes share a few lines: each distinct line is decoded once, and its settings shared.
    const byLine = new Map<string, SettingValues | undefined>();
    for (const [key, text] of Object.entries(map)) {
        const at = parseKey(key);
        if (!byLine.has(text)) {
            try {
                byLine.set(text, decodeSettingsText(text));
            } catch {
                byLine.set(text, undefined);
            }
        }
        const settings = byLine.get(text);
        if (at === undefined || settings === undefined) refused.push(key);
        else decoded.push({ key, at, settings });
    }
    return { decoded, refused };
}

/**
 * A map of key → settings line given as input (PgAuditScopes sends its scopes and groups so),
 * checked anew: each key through `parseKey` and written back canonical by `keyOf`, each line
 * decoded and passed through the settings schema, out normalized; what fails is refused by key.
 */
export function normalizeSettingsMap<K>(
    map: Readonly<Record<string, unknown>>,
    parseKey: (key: string) => K | undefined,
    keyOf: (at: K) => string,
): { readonly normalized: Record<string, string>; readonly refused: string[] } {
    const normalized: Record<string, string> = {};
    const refused: string[] = [];
    // Each distinct line is checked once: its canonical form, or undefined when it is refused.
    const byLine = new Map<unknown, string | undefined>();
    const canonical = (text: unknown): string | undefined => {
        let settings: unknown;
        try {
            settings = typeof text === "string" ? decodeSettingsText(text) : undefined;
        } catch {
            settings = undefined;
        }
        const parsed = settingsSchema.safeParse(settings);
        return parsed.success ? encodeSettingsText(parsed.data) : undefined;
    };
    for (const [key, text] of Object.entries(map)) {
        const at = parseKey(key);
        if (!byLine.has(text)) byLine.set(text, canonical(text));
        const line = byLine.get(text);
        if (at === undefined || line === undefined) refused.push(key);
        else normalized[keyOf(at)] = line;
    }
    return { normalized, refused };
}

/**
 * A whole map of key → settings line as one JSON text, an entry a line: how PgAuditScopes hands
 * its scopes to the engine and keeps them in state. One string crosses gRPC, the engine and the
 * checkpoint at a fraction of the cost of 10,000 map entries (docs/performance.md), and the CLI
 * still shows a change entry by entry, since it diffs a JSON text as the object it holds.
 */
export function encodeSettingsMapText(map: Readonly<Record<string, string>>): string {
    const entries = Object.entries(map);
    return entries.length === 0 ? "{}" : `{\n${entries.map(([key, line]) => `${JSON.stringify(key)}: ${JSON.stringify(line)}`).join(",\n")}\n}`;
}

/**
 * The map a settings-map text holds; a map as it is (state written before the text, and group
 * maps); undefined for anything else, for the caller to refuse.
 */
export function settingsMapOf(value: unknown): Record<string, unknown> | undefined {
    const isMap = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);
    if (typeof value !== "string") return isMap(value) ? value : undefined;
    try {
        const parsed: unknown = JSON.parse(value);
        return isMap(parsed) ? parsed : undefined;
    } catch {
        return undefined;
    }
}
