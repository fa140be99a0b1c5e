/**
 * What to send to make a scope hold the declared settings: pure, from the scope's stored entries.
 * Planning against what the server holds (not against the last state) makes every apply
 * idempotent, and lets a rerun after a fault converge.
 */
import { PgAuditSettingError } from "../../model/errors";
import {
    decodeSetting,
    encodeSetting,
    settingKeyForName,
    settingValueEquals,
    SETTING_DEFINITIONS,
    SETTING_KEYS,
    type SettingKey,
    type SettingValues,
} from "../../model/settings";
import { describeScope, type Scope } from "../../model/scope";
import { resetParameterSql, setParameterSql } from "../../model/sql";

/** The pgaudit entries a scope holds, by parameter name, as PostgreSQL stored them. */
export type StoredEntries = ReadonlyMap<string, string>;

/** The typed settings found at a scope; parameters this package does not manage are left out. */
export function decodeStoredSettings(entries: StoredEntries): SettingValues {
    const values: SettingValues = {};
    for (const [name, text] of entries) {
        const key = settingKeyForName(name);
        if (key) values[key] = decodeSetting(key, text);
    }
    return values;
}

/** The statements that turn `entries` into `desired`: SET what differs, RESET what is not declared. */
export function planScopeStatements(scope: Scope, entries: StoredEntries, desired: SettingValues): string[] {
    const found = decodeStoredSettings(entries);
    const statements: string[] = [];
    for (const key of SETTING_KEYS) {
        const want = desired[key];
        const name = SETTING_DEFINITIONS[key].name;
        if (want !== undefined) {
            if (!settingValueEquals(key, found[key], want)) statements.push(setParameterSql(scope, name, encodeSetting(key, want)));
        } else if (found[key] !== undefined) {
            statements.push(resetParameterSql(scope, name));
        }
    }
    return statements;
}

/** The statements that give a scope back to inheritance: RESET each managed entry it holds. */
export function planScopeReset(scope: Scope, entries: StoredEntries): string[] {
    return SETTING_KEYS.filter((key) => entries.has(SETTING_DEFINITIONS[key].name)).map((key) => resetParameterSql(scope, SETTING_DEFINITIONS[key].name));
}

/**
 * At create, a scope that already holds other pgaudit values belongs to someone: refuse, show
 * what is there and how to take it over (dynamic resources cannot be imported).
 */
export function assertNoForeignSettings(scope: Scope, entries: StoredEntries, desired: SettingValues, adopt: boolean): void {
    if (adopt) return;
    const found = decodeStoredSettings(entries);
    const differing = SETTING_KEYS.filter((key) => found[key] !== undefined && !settingValueEquals(key, found[key], desired[key]));
    if (differing.length === 0) return;
    const shown = differing.map((key) => `${SETTING_DEFINITIONS[key].name} = '${entries.get(SETTING_DEFINITIONS[key].name)}'`).join(", ");
    throw new PgAuditSettingError(
        `${describeScope(scope)} already holds ${shown}, which this resource does not declare. ` +
            `To take these settings over, set adopt: true on the resource (pulumi import does not work for dynamic resources); ` +
            `or declare the same values; or RESET them by hand first.`,
    );
}

/** What the server says about itself, read once per connection pool. */
export interface ServerFacts {
    readonly versionNum: number;
    readonly version: string;
    readonly currentUser: string;
    readonly superuser: boolean;
    readonly pgauditParameters: readonly string[];
}

/** Refuses, before writing anything, what this server cannot do. */
export function assertServerSupports(facts: ServerFacts, declared: readonly SettingKey[]): void {
    if (facts.pgauditParameters.length === 0) {
        throw new PgAuditSettingError(
            `pgaudit is not loaded on this server (it shows no pgaudit.* parameters): enable pgaudit on the service first ` +
                `(Aiven: pgUserConfig.pgaudit.featureEnabled = true; elsewhere shared_preload_libraries = 'pgaudit' and a restart)`,
        );
    }
    if (facts.versionNum < 150000 && !facts.superuser) {
        throw new PgAuditSettingError(
            `per-database and per-role pgaudit settings need PostgreSQL 15+ (GRANT SET ON PARAMETER arrived in 15); ` +
                `this server is ${facts.version} and ${JSON.stringify(facts.currentUser)} is not a superuser: upgrade the service (Aiven: pgVersion "15" or later)`,
        );
    }
    const known = new Set(facts.pgauditParameters);
    const unknown = declared.filter((key) => !known.has(SETTING_DEFINITIONS[key].name));
    if (unknown.length > 0) {
        const what = unknown
            .map((key) => {
                const def: { name: string; availability?: string } = SETTING_DEFINITIONS[key];
                return `settings.${key} (${def.name}${def.availability ? `, which needs ${def.availability}` : ""})`;
            })
            .join("; ");
        throw new PgAuditSettingError(`this server's pgaudit does not know ${what}: remove it from settings, or use a server whose pgaudit has it`);
    }
}
