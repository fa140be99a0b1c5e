/**
 * How scopes read for people, and the statements that write and reset them. Names are quoted
 * with quoteName (terminal-safe) in sentences and with escapeIdentifier in SQL.
 */
import { alterScope, parameterIdentifier } from "../model/sql";
import { safeText, quoteName } from "./displayText";
import type { SettingOrigin } from "./model";

/** `role "app" in database "shop"`, `database "shop"`, `all roles in all databases`, `the server-wide value (command line)`. */
export function describeOrigin(origin: SettingOrigin): string {
    switch (origin.kind) {
        case "role-in-database":
            return `role ${quoteName(origin.role)} in database ${quoteName(origin.database)}`;
        case "role":
            return `role ${quoteName(origin.role)}`;
        case "database":
            return `database ${quoteName(origin.database)}`;
        case "all-roles":
            return "all roles in all databases";
        case "server":
            return origin.source === null ? "the server-wide value (hidden)" : `the server-wide value (${origin.source})`;
    }
}

/** A short table cell for an origin: the kind, and the names that make it unique in its row. */
export function originCell(origin: SettingOrigin): string {
    switch (origin.kind) {
        case "role-in-database":
            return "role in database";
        case "role":
            return "role";
        case "database":
            return "database";
        case "all-roles":
            return "all roles (ALTER ROLE ALL)";
        case "server":
            return origin.source === null ? "server (hidden)" : `server (${origin.source})`;
    }
}

/** A parameter name as people type it (`pgaudit.log`), quoted as the provider quotes it only where it must be. */
function parameter(name: string): string {
    return /^[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)*$/.test(name) ? name : parameterIdentifier(name);
}

/** The `ALTER …` head that addresses an override scope (the provider's own, model/sql.ts), or undefined for the server-wide value. */
function alterHead(origin: SettingOrigin): string | undefined {
    if (origin.kind === "server") return undefined;
    return origin.kind === "all-roles" ? "ALTER ROLE ALL" : alterScope(origin);
}

/** The statement that wrote the value, terminal-safe: `ALTER ROLE "app" SET pgaudit.log`. */
export function setStatementText(origin: SettingOrigin, name: string): string | undefined {
    const head = alterHead(origin);
    return head && safeText(`${head} SET ${parameter(name)}`);
}

/** The statement that removes the override, terminal-safe. */
export function resetStatementText(origin: SettingOrigin, name: string): string | undefined {
    const head = alterHead(origin);
    return head && safeText(`${head} RESET ${parameter(name)}`);
}
