/**
 * The SQL text the provider sends. Every name and value goes through node-postgres's
 * escapeIdentifier / escapeLiteral; catalog look-ups take their names as bind parameters.
 */
import { escapeIdentifier, escapeLiteral } from "pg";

import type { Scope } from "./scope";

/** `pgaudit.log` as an identifier chain: each part quoted, so the name cannot carry SQL. */
export function parameterIdentifier(name: string): string {
    return name.split(".").map(escapeIdentifier).join(".");
}

/** The `ALTER …` head that addresses a scope. */
export function alterScope(scope: Scope): string {
    if (scope.role !== undefined && scope.database !== undefined) {
        return `ALTER ROLE ${escapeIdentifier(scope.role)} IN DATABASE ${escapeIdentifier(scope.database)}`;
    }
    if (scope.role !== undefined) return `ALTER ROLE ${escapeIdentifier(scope.role)}`;
    if (scope.database !== undefined) return `ALTER DATABASE ${escapeIdentifier(scope.database)}`;
    throw new Error("a scope needs a database, a role, or both");
}

export function setParameterSql(scope: Scope, name: string, value: string): string {
    return `${alterScope(scope)} SET ${parameterIdentifier(name)} = ${escapeLiteral(value)}`;
}

export function resetParameterSql(scope: Scope, name: string): string {
    return `${alterScope(scope)} RESET ${parameterIdentifier(name)}`;
}

/** Splits a `setconfig` entry ("name=value") at its first `=`, as PostgreSQL writes it. */
export function splitSetconfigEntry(entry: string): [name: string, value: string] {
    const eq = entry.indexOf("=");
    return eq < 0 ? [entry, ""] : [entry.slice(0, eq), entry.slice(eq + 1)];
}
