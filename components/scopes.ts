/**
 * The per-database, per-role and per-role-in-database settings PgAuditLogging declares, checked,
 * each named from its scope (never from a position): as one PgAuditScopes entry each (default),
 * or with settingsResource "PgAuditSetting" as one resource each, so that adding, removing or
 * reordering entries leaves the others in place.
 */
import * as pulumi from "@pulumi/pulumi";
import { pgNameSchema, settingsSchema, type PgAuditSettingsInput } from "../model/settingsSchema";
import { SETTING_KEYS } from "../model/settings";
import { describeIssues, type KeyHelp } from "../model/inputFailures";
import { scopeResourceName, type Scope } from "../model/scope";
import { isPlain } from "../model/known";

/** Settings for one role in one database (`ALTER ROLE … IN DATABASE …` scope). */
export interface RoleDatabaseSettings {
    /** The role, exactly as PostgreSQL stores its name. */
    readonly role: string;
    /** The database, exactly as PostgreSQL stores its name. */
    readonly database: string;
    /** The pgaudit settings of the role in that database (`log` accepts `-class` exclusions). */
    readonly settings: pulumi.Input<PgAuditSettingsInput>;
}

/** One scope the component declares: where, what, and under which child name. */
export interface ScopeDeclaration extends Scope {
    readonly kind: "database" | "role" | "roleDatabase";
    readonly settings: pulumi.Input<PgAuditSettingsInput>;
    /** The child resource's name. */
    readonly childName: string;
    /** Where the scope was declared, for messages: `databases["shop"]`. */
    readonly field: string;
}

const PER_SCOPE_KEYS: KeyHelp = {
    known: SETTING_KEYS,
    hints: {
        logs: `write "log": per-database and per-role settings use pgaudit's own name ("logs" is the service-level spelling)`,
        featureEnabled: "is a service-level setting: set it in audit",
    },
};

function checkName(problems: string[], field: string, name: string): void {
    const result = pgNameSchema.safeParse(name);
    if (!result.success) problems.push(...result.error.issues.map((i) => `${field}: ${i.message}`));
}

/** Checks settings that are plain values now; Outputs are checked by PgAuditSetting at preview. */
function checkSettings(problems: string[], field: string, settings: unknown): void {
    if (!isPlain(settings)) return;
    const result = settingsSchema.safeParse(settings);
    if (!result.success) problems.push(...describeIssues(result.error, field, PER_SCOPE_KEYS));
}

export interface ScopeArgs {
    readonly databases?: Record<string, pulumi.Input<PgAuditSettingsInput>>;
    readonly roles?: Record<string, pulumi.Input<PgAuditSettingsInput>>;
    readonly roleDatabases?: readonly RoleDatabaseSettings[];
}

/** The scopes declared, in a stable order, or the problems found in them. */
export function scopeDeclarations(component: string, args: ScopeArgs): { scopes: ScopeDeclaration[]; problems: string[] } {
    const problems: string[] = [];
    const scopes: ScopeDeclaration[] = [];
    const maps: [string, Record<string, pulumi.Input<PgAuditSettingsInput>> | undefined, "database" | "role"][] = [
        ["databases", args.databases, "database"],
        ["roles", args.roles, "role"],
    ];
    for (const [arg, map, kind] of maps) {
        if (map === undefined) continue;
        if (map === null || typeof map !== "object" || Array.isArray(map) || pulumi.Output.isInstance(map)) {
            // The keys become part of the children's resource names, so they must be known now.
            problems.push(`${arg}: must be a plain object mapping each ${kind} name to its settings, e.g. { shop: { log: ["write"] } }`);
            continue;
        }
        for (const [key, settings] of Object.entries(map)) {
            // Always bracketed: a database or role name is data, not an identifier.
            const field = `${arg}[${JSON.stringify(key)}]`;
            checkName(problems, field, key);
            checkSettings(problems, field, settings);
            const where = kind === "database" ? { database: key } : { role: key };
            scopes.push({ kind, ...where, settings, childName: scopeResourceName(component, where), field });
        }
    }
    if (args.roleDatabases !== undefined) {
        if (!Array.isArray(args.roleDatabases)) {
            problems.push(`roleDatabases: must be a list of { role, database, settings }`);
        } else {
            const seen = new Map<string, number>();
            args.roleDatabases.forEach((entry: RoleDatabaseSettings, index: number) => {
                const field = `roleDatabases[${index}]`;
                if (entry === null || typeof entry !== "object") {
                    problems.push(`${field}: must be { role, database, settings }`);
                    return;
                }
                const { role, database, settings } = entry;
                let named = true;
                for (const [key, value] of [
                    ["role", role],
                    ["database", database],
                ] as const) {
                    if (typeof value !== "string") {
                        // The name becomes part of the child's resource name, so it must be known now.
                        problems.push(`${field}.${key}: must be a plain string (it names the child resource), not an Output`);
                        named = false;
                    } else {
                        checkName(problems, `${field}.${key}`, value);
                    }
                }
                if (settings === undefined) problems.push(`${field}.settings: is required, e.g. { log: ["read"] }`);
                else checkSettings(problems, `${field}.settings`, settings);
                if (!named) return;
                const pair = JSON.stringify([role, database]);
                const first = seen.get(pair);
                if (first !== undefined) {
                    problems.push(
                        `${field}: declares role "${role}" in database "${database}" again (first at roleDatabases[${first}]); merge the two entries`,
                    );
                    return;
                }
                seen.set(pair, index);
                scopes.push({ kind: "roleDatabase", role, database, settings, childName: scopeResourceName(component, { role, database }), field });
            });
        }
    }
    return { scopes, problems };
}
