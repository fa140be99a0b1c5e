/**
 * The pgaudit settings a scope can hold: their camelCase input keys, their server names, how a
 * value is written for `ALTER … SET` and read back from `pg_db_role_setting`, and when two values
 * mean the same thing.
 */
import { normalizePgAuditLog, pgAuditLogEquals } from "./pgauditLog";

type SettingKind = "log" | "bool" | "int" | "level" | "text";

interface SettingDefinition {
    /** The server's parameter name. */
    readonly name: string;
    readonly kind: SettingKind;
    /** What needs this setting, said when a server does not know it. */
    readonly availability?: string;
}

/** Every pgaudit setting this package manages: its parameter name and kind. */
export const SETTING_DEFINITIONS = {
    log: { name: "pgaudit.log", kind: "log" },
    logCatalog: { name: "pgaudit.log_catalog", kind: "bool" },
    logClient: { name: "pgaudit.log_client", kind: "bool" },
    logLevel: { name: "pgaudit.log_level", kind: "level" },
    logParameter: { name: "pgaudit.log_parameter", kind: "bool" },
    logParameterMaxSize: { name: "pgaudit.log_parameter_max_size", kind: "int", availability: "pgaudit 16+ (PostgreSQL 16+)" },
    logRelation: { name: "pgaudit.log_relation", kind: "bool" },
    logRows: { name: "pgaudit.log_rows", kind: "bool" },
    logStatement: { name: "pgaudit.log_statement", kind: "bool" },
    logStatementOnce: { name: "pgaudit.log_statement_once", kind: "bool" },
    logMaxStringLength: { name: "pgaudit.log_max_string_length", kind: "int", availability: "Aiven's pgaudit build" },
    logNestedStatements: { name: "pgaudit.log_nested_statements", kind: "bool", availability: "Aiven's pgaudit build" },
    role: { name: "pgaudit.role", kind: "text" },
} as const satisfies Record<string, SettingDefinition>;

/** A setting's camelCase name: log, logCatalog, … */
export type SettingKey = keyof typeof SETTING_DEFINITIONS;
/** Every setting's camelCase name, in a fixed order. */
export const SETTING_KEYS = Object.keys(SETTING_DEFINITIONS) as SettingKey[];

/** The log levels pgaudit.log_level accepts (pgaudit refuses error, fatal and panic). */
export const PGAUDIT_LOG_LEVELS = ["debug1", "debug2", "debug3", "debug4", "debug5", "info", "notice", "warning", "log"] as const;

/** A scope's settings after validation: `log` is always the normalized list. */
export type SettingValue = readonly string[] | boolean | number | string;
/** Setting values by camelCase name. */
export type SettingValues = Partial<Record<SettingKey, SettingValue>>;

const BY_NAME = new Map<string, SettingKey>(SETTING_KEYS.map((key) => [SETTING_DEFINITIONS[key].name, key]));

/** The input key for a server parameter name, or undefined for a parameter we do not manage. */
export function settingKeyForName(name: string): SettingKey | undefined {
    return BY_NAME.get(name);
}

/** The text written with `ALTER … SET name = '<text>'`. */
export function encodeSetting(key: SettingKey, value: SettingValue): string {
    const kind: SettingKind = SETTING_DEFINITIONS[key].kind;
    switch (kind) {
        case "log":
            return (value as readonly string[]).join(",");
        case "bool":
            return value ? "on" : "off";
        case "int":
            return String(value);
        case "level":
            return String(value).toLowerCase();
        case "text":
            return String(value);
    }
}

/** PostgreSQL's parse_bool: on/off, true/false, yes/no, 1/0 and unique prefixes, any case. */
function decodeBool(text: string): boolean | undefined {
    const t = text.trim().toLowerCase();
    if (t === "") return undefined;
    if (t === "1" || "true".startsWith(t) || "yes".startsWith(t) || t === "on") return true;
    if (t === "0" || "false".startsWith(t) || (t.length >= 2 && "off".startsWith(t)) || "no".startsWith(t)) return false;
    return undefined;
}

/**
 * The typed value of a setting as PostgreSQL stored it (exactly as it was written, perhaps by
 * hand). A value we cannot read is kept as its text so that drift still shows.
 */
export function decodeSetting(key: SettingKey, text: string): SettingValue {
    const kind: SettingKind = SETTING_DEFINITIONS[key].kind;
    switch (kind) {
        case "log":
            try {
                return normalizePgAuditLog(text);
            } catch {
                return text;
            }
        case "bool":
            return decodeBool(text) ?? text;
        case "int": {
            const n = Number(text.trim());
            return Number.isInteger(n) ? n : text;
        }
        case "level":
            return text.trim().toLowerCase();
        case "text":
            return text;
    }
}

/** True when two values of a setting make pgaudit behave the same. */
export function settingValueEquals(key: SettingKey, a: SettingValue | undefined, b: SettingValue | undefined): boolean {
    if (a === undefined || b === undefined) return a === b;
    const kind: SettingKind = SETTING_DEFINITIONS[key].kind;
    if (kind === "log") {
        try {
            return pgAuditLogEquals(logText(a), logText(b));
        } catch {
            return logText(a) === logText(b);
        }
    }
    if (kind === "level") return String(a).toLowerCase() === String(b).toLowerCase();
    return a === b;
}

function logText(value: SettingValue): string {
    return Array.isArray(value) ? value.join(",") : String(value);
}

/** The keys whose values differ by meaning, in definition order. */
export function changedSettingKeys(from: SettingValues, to: SettingValues): SettingKey[] {
    return SETTING_KEYS.filter((key) => !settingValueEquals(key, from[key], to[key]));
}
