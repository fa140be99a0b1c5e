/**
 * pgaudit.log semantics, as pgaudit's `check_pgaudit_log` builds its class bitmap.
 *
 * The value is a comma-separated list read left to right: a class adds its bits, a `-class`
 * removes them, `none` does nothing and `-all` clears everything so far. So `all,-misc` and
 * `-misc,all` differ, while `READ, ddl` equals `ddl,read`. PostgreSQL stores the text exactly as
 * written, which is why two values are compared by bitmap, never by text.
 */

/** The class names pgaudit accepts in pgaudit.log, in pgaudit's documentation order. */
export const PGAUDIT_LOG_CLASSES = ["read", "write", "function", "role", "ddl", "misc", "misc_set", "all", "none"] as const;
/** A pgaudit.log class: read, write, function, role, ddl, misc, misc_set, all, none. */
export type PgAuditLogClass = (typeof PGAUDIT_LOG_CLASSES)[number];

const READ = 1 << 0;
const WRITE = 1 << 1;
const FUNCTION = 1 << 2;
const ROLE = 1 << 3;
const DDL = 1 << 4;
const MISC = 1 << 5;
const MISC_SET = 1 << 6;
const ALL = READ | WRITE | FUNCTION | ROLE | DDL | MISC | MISC_SET;

const CLASS_BITS: Record<PgAuditLogClass, number> = {
    read: READ,
    write: WRITE,
    function: FUNCTION,
    role: ROLE,
    ddl: DDL,
    // pgaudit: "misc" covers misc_set too; misc_set alone is only SET.
    misc: MISC | MISC_SET,
    misc_set: MISC_SET,
    all: ALL,
    none: 0,
};

/** Classes that carry bits of their own, for reporting which classes a bitmap holds. */
const BASE_CLASSES: readonly [Exclude<PgAuditLogClass, "all" | "none" | "misc">, number][] = [
    ["read", READ],
    ["write", WRITE],
    ["function", FUNCTION],
    ["role", ROLE],
    ["ddl", DDL],
    ["misc_set", MISC_SET],
];

/** One token of a pgaudit.log list: a class, possibly excluded with a leading `-`. */
export interface PgAuditLogToken {
    readonly exclude: boolean;
    readonly cls: PgAuditLogClass;
}

/** Whether a name is a pgaudit.log class. */
export function isPgAuditLogClass(name: string): name is PgAuditLogClass {
    return (PGAUDIT_LOG_CLASSES as readonly string[]).includes(name);
}

/**
 * Splits a token as written ("-READ", " ddl ", "\"misc\"") into its parts, or returns the reason
 * it is not a pgaudit.log token.
 */
export function parsePgAuditLogToken(raw: string): PgAuditLogToken | { error: string } {
    let text = raw.trim();
    // PostgreSQL splits the list with SplitIdentifierString, so a token may be double-quoted.
    if (text.length >= 2 && text.startsWith('"') && text.endsWith('"')) {
        text = text.slice(1, -1);
    }
    if (text === "") {
        return { error: "is empty (two commas in a row, or a trailing comma)" };
    }
    const exclude = text.startsWith("-");
    const name = (exclude ? text.slice(1) : text).toLowerCase();
    if (/\s/.test(name) || name === "") {
        return { error: `"${raw}" is not one class; write one class per item, "-" directly before the class to exclude it` };
    }
    if (!isPgAuditLogClass(name)) {
        return { error: `"${raw}" is not a pgaudit class; expected one of ${PGAUDIT_LOG_CLASSES.join(", ")} (prefix "-" to exclude)` };
    }
    return { exclude, cls: name };
}

/** Splits a pgaudit.log value as PostgreSQL stores it into its raw items; '' is the empty list. */
export function splitPgAuditLog(value: string): string[] {
    return value.trim() === "" ? [] : value.split(",");
}

/**
 * Parses a pgaudit.log value (a comma string or the list of its items) into tokens.
 * Throws on the first invalid item, naming it; callers that validate user input report per item.
 */
export function parsePgAuditLog(value: string | readonly string[]): PgAuditLogToken[] {
    const items = typeof value === "string" ? splitPgAuditLog(value) : value;
    return items.map((item, index) => {
        const token = parsePgAuditLogToken(item);
        if ("error" in token) {
            throw new Error(`pgaudit.log item ${index} ${token.error}`);
        }
        return token;
    });
}

/** The class bitmap pgaudit builds from a value, left to right. */
export function pgAuditLogBitmap(value: string | readonly string[]): number {
    let bits = 0;
    for (const token of parsePgAuditLog(value)) {
        const classBits = CLASS_BITS[token.cls];
        bits = token.exclude ? bits & ~classBits : bits | classBits;
    }
    return bits;
}

/** True when two pgaudit.log values make pgaudit audit exactly the same classes. */
export function pgAuditLogEquals(a: string | readonly string[], b: string | readonly string[]): boolean {
    return pgAuditLogBitmap(a) === pgAuditLogBitmap(b);
}

/**
 * The classes a value audits, as the smallest list a reader can check: "misc" stands for
 * misc + misc_set; "all" is not abbreviated so that a report says each class.
 */
export function pgAuditLogClasses(value: string | readonly string[]): PgAuditLogClass[] {
    const bits = pgAuditLogBitmap(value);
    const classes: PgAuditLogClass[] = [];
    for (const [name, classBits] of BASE_CLASSES) {
        if (name === "misc_set" && bits & MISC) {
            classes.push("misc");
        }
        if (bits & classBits) {
            classes.push(name);
        }
    }
    return classes;
}

/** True when `value` audits every class in `required` (e.g. ["ddl", "role"]). */
export function pgAuditLogCovers(value: string | readonly string[], required: readonly string[]): boolean {
    const want = pgAuditLogBitmap(required);
    return (pgAuditLogBitmap(value) & want) === want;
}

/** Normalized list form: trimmed, lower-case, unquoted items in their original order. */
export function normalizePgAuditLog(value: string | readonly string[]): string[] {
    return parsePgAuditLog(value).map((t) => (t.exclude ? "-" : "") + t.cls);
}
