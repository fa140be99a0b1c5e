/**
 * The nouns of pgaudit's object audit: which privileges it looks at, on which relations, and how
 * a table is named in text (`schema.table`, quoted as in SQL where a part needs it).
 */

/** The privileges pgaudit's object audit looks at (pgaudit.c: SELECT, INSERT, UPDATE, DELETE). */
export const OBJECT_PRIVILEGES = ["select", "insert", "update", "delete"] as const;
/** A privilege object audit can log: select, insert, update or delete. */
export type ObjectPrivilege = (typeof OBJECT_PRIVILEGES)[number];

/** A table's schema and name, exactly as stored. */
export interface TableName {
    readonly schema: string;
    readonly table: string;
}

/**
 * Reads `schema.table`. A part is taken exactly as written (no case folding, like every name here),
 * or double-quoted as in SQL (`"my.schema"."odd""name"`) when it holds a dot or a quote.
 */
export function parseTableName(text: string): TableName | { error: string } {
    const parts: string[] = [];
    let i = 0;
    while (parts.length < 2) {
        let part = "";
        if (text[i] === '"') {
            for (i++; ; i++) {
                if (i >= text.length) return { error: 'has an unterminated quoted name; close it with " (write "" for a quote inside)' };
                if (text[i] === '"' && text[i + 1] === '"') {
                    part += '"';
                    i++;
                } else if (text[i] === '"') break;
                else part += text[i];
            }
            i++;
        } else {
            while (i < text.length && text[i] !== ".") {
                if (text[i] === '"') return { error: 'has a quote inside an unquoted name; quote the whole part: "na""me"' };
                part += text[i++];
            }
        }
        if (part === "") return { error: 'must be "schema.table", e.g. "public.cards" (both parts non-empty; quote a part that holds a dot)' };
        parts.push(part);
        if (parts.length === 1) {
            if (text[i] !== ".") return { error: 'must name the schema too: "schema.table", e.g. "public.cards" (the search_path is not consulted)' };
            i++;
        }
    }
    if (i !== text.length) return { error: 'has text after "schema.table"; quote a part that holds a dot, e.g. public."a.b"' };
    return { schema: parts[0], table: parts[1] };
}

const quotePart = (part: string) => (/^[^."]+$/.test(part) ? part : `"${part.replace(/"/g, '""')}"`);

/** The canonical `schema.table` text: a part is quoted only when it holds a dot or a quote. */
export function formatTableName(name: TableName): string {
    return `${quotePart(name.schema)}.${quotePart(name.table)}`;
}

/** Relation kinds whose statements pgaudit audits: tables, partitioned tables, views, materialized views, foreign tables. */
export const AUDITABLE_RELKINDS = ["r", "p", "v", "m", "f"];
