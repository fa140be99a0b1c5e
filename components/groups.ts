/**
 * The group scopes PgAuditLogging declares: `groups: { analysts: { log: ["read"] } }` (each login
 * member's role scope) and `groupDatabases: [{ group, database, settings }]` (each member's
 * role-in-database scope), checked while the program runs and passed to its PgAuditScopes,
 * which resolves the members at each apply (docs/groups.md).
 */
import * as pulumi from "@pulumi/pulumi";
import { pgNameSchema, settingsSchema, type PgAuditSettingsInput } from "../model/settingsSchema";
import { SETTING_KEYS } from "../model/settings";
import { describeIssues, type KeyHelp } from "../model/inputFailures";
import { isPlain } from "../model/known";
import type { GroupScope } from "../model/scope";

/** Settings for the members of one group in one database. */
export interface GroupDatabaseSettings {
    /** The group role, exactly as PostgreSQL stores its name. */
    readonly group: string;
    /** The database, exactly as PostgreSQL stores its name. */
    readonly database: string;
    /** The pgaudit settings each login member gets in that database. */
    readonly settings: pulumi.Input<PgAuditSettingsInput>;
}

/** One group scope the component declares, for its PgAuditScopes. */
export interface GroupDeclaration extends GroupScope {
    readonly settings: pulumi.Input<PgAuditSettingsInput>;
    /** Where it was declared, for messages: `groups["analysts"]`, `groupDatabases[0].settings`. */
    readonly field: string;
}

export interface GroupArgs {
    readonly groups?: Record<string, pulumi.Input<PgAuditSettingsInput>>;
    readonly groupDatabases?: readonly GroupDatabaseSettings[];
}

const KEYS: KeyHelp = { known: SETTING_KEYS, hints: { logs: `write "log": per-scope settings use pgaudit's own name ("logs" is the service-level spelling)` } };

function checkName(problems: string[], field: string, name: unknown): name is string {
    const result = pgNameSchema.safeParse(name);
    if (!result.success) problems.push(...result.error.issues.map((i) => `${field}: ${i.message}`));
    return result.success;
}

function checkSettings(problems: string[], field: string, settings: unknown): void {
    if (settings === undefined) problems.push(`${field}: is required, e.g. { log: ["read"] }`);
    else if (isPlain(settings)) {
        const result = settingsSchema.safeParse(settings);
        if (!result.success) problems.push(...describeIssues(result.error, field, KEYS));
    }
}

/** The group scopes declared, or the problems found in them. */
export function planGroups(args: GroupArgs): { groups: GroupDeclaration[]; problems: string[] } {
    const problems: string[] = [];
    const groups: GroupDeclaration[] = [];
    const { groups: byName, groupDatabases } = args;
    if (byName !== undefined) {
        if (byName === null || typeof byName !== "object" || Array.isArray(byName) || pulumi.Output.isInstance(byName)) {
            problems.push(
                `groups: must be a plain object mapping each group role to the settings of its members, e.g. { analysts: { log: ["read", "write"] } }`,
            );
        } else {
            for (const [group, settings] of Object.entries(byName)) {
                const field = `groups[${JSON.stringify(group)}]`;
                checkName(problems, field, group);
                checkSettings(problems, field, settings);
                groups.push({ group, settings, field });
            }
        }
    }
    if (groupDatabases !== undefined) {
        if (!Array.isArray(groupDatabases)) problems.push(`groupDatabases: must be a list of { group, database, settings }`);
        else {
            const seen = new Map<string, number>();
            groupDatabases.forEach((entry: GroupDatabaseSettings, index) => {
                const field = `groupDatabases[${index}]`;
                if (entry === null || typeof entry !== "object") {
                    problems.push(`${field}: must be { group, database, settings }`);
                    return;
                }
                const named = checkName(problems, `${field}.group`, entry.group) && checkName(problems, `${field}.database`, entry.database);
                checkSettings(problems, `${field}.settings`, entry.settings);
                if (!named) return;
                const pair = JSON.stringify([entry.group, entry.database]);
                const first = seen.get(pair);
                if (first !== undefined) {
                    problems.push(
                        `${field}: declares group "${entry.group}" in database "${entry.database}" again (first at groupDatabases[${first}]); merge the two entries`,
                    );
                    return;
                }
                seen.set(pair, index);
                groups.push({ group: entry.group, database: entry.database, settings: entry.settings, field: `${field}.settings` });
            });
        }
    }
    return { groups, problems };
}
