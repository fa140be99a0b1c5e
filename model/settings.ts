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

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;
const C_SPACE = "[ \\t\\n\\v\\f\\r]*";
/** strtol(…, 0): optional sign, then 0x hex, a leading 0 for octal, or decimal. */
const STRTOL = new RegExp(`^${C_SPACE}([+-]?)(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)`);
/** strtod's decimal and hexadecimal forms (inf/nan fail parse_int anyway). */
const STRTOD_DEC = new RegExp(`^${C_SPACE}[+-]?(?:[0-9]+(?:\\.[0-9]*)?|\\.[0-9]+)(?:[eE][+-]?[0-9]+)?`);
const STRTOD_HEX = new RegExp(`^${C_SPACE}([+-]?)0[xX]([0-9a-fA-F]*)(?:\\.([0-9a-fA-F]*))?(?:[pP]([+-]?[0-9]+))?`);

function strtod(text: string): { value: number; end: number } | undefined {
    const hex = STRTOD_HEX.exec(text);
    if (hex && (hex[2] !== "" || (hex[3] ?? "") !== "")) {
        const digits = hex[2] + (hex[3] ?? "");
        const value = parseInt(digits, 16) * 2 ** (Number(hex[4] ?? 0) - 4 * (hex[3] ?? "").length);
        return { value: hex[1] === "-" ? -value : value, end: hex[0].length };
    }
    const dec = STRTOD_DEC.exec(text);
    return dec ? { value: Number(dec[0].trim()), end: dec[0].length } : undefined;
}

/** C's rint in the default rounding mode: halves go to the even neighbour. */
function rint(x: number): number {
    const floor = Math.floor(x);
    const rest = x - floor;
    if (rest !== 0.5) return Math.round(x);
    return floor % 2 === 0 ? floor : floor + 1;
}

/**
 * PostgreSQL's parse_int (guc.c) for a setting without a unit, as pgaudit's integers are: strtol
 * with base 0 (`010` is 8, `0x10` is 16, `08` is invalid); a value stopping at `.`, `e` or `E`, or
 * beyond a long, is read again as a double (`1e3`, `7.5`) and rounded half to even; whitespace may
 * surround it; anything else, or a value outside a 32-bit int, is not an integer (undefined).
 */
export function parsePgInt(text: string): number | undefined {
    const int = STRTOL.exec(text);
    let value = 0;
    let end = 0;
    let overflow = false;
    if (int) {
        const [, sign, digits] = int;
        const big =
            digits.length > 1 && /^0[xX]/.test(digits)
                ? BigInt(digits)
                : digits.length > 1 && digits[0] === "0"
                  ? BigInt("0o" + digits.slice(1))
                  : BigInt(digits);
        const signed = sign === "-" ? -big : big;
        overflow = signed > 2n ** 63n - 1n || signed < -(2n ** 63n);
        value = Number(signed);
        end = int[0].length;
    }
    if (overflow || /[.eE]/.test(text[end] ?? "")) {
        const d = strtod(text);
        if (!d) return undefined;
        ({ value, end } = d);
    }
    if (end === 0 || Number.isNaN(value)) return undefined;
    if (!/^[ \t\n\v\f\r]*$/.test(text.slice(end))) return undefined;
    const rounded = rint(value);
    if (rounded < INT32_MIN || rounded > INT32_MAX) return undefined;
    return rounded === 0 ? 0 : rounded; // never -0
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
        case "int":
            return parsePgInt(text) ?? text;
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
