/**
 * Groups in the posture, pure: which group scope set a login role's value (the owner records
 * PgAuditScopes keeps: a member scope held by a group scope's owner id), and `--require-group
 * GROUP:CLASSES`, every current login member of the group (directly or through other roles) must
 * audit those classes in every database it can connect to. A scheduled run catches a member who
 * joined since the last `pulumi up`. It fails closed: a group that does not exist, or whose
 * members could not be read, is a finding, never a pass.
 */
import { z } from "zod";
import { parseGroupKey, parseScopeId } from "../model/scope";
import { quoteName, safeText } from "./displayText";
import { violationSchema, type AuditPosture, type SettingOrigin } from "./model";
import { checkRequirements, parseRequiredClasses, type RequiredClass } from "./requirements";

/** One `--require-group`: the group and the classes each of its login members must audit. */
export interface GroupRequirement {
    readonly group: string;
    readonly classes: RequiredClass[];
}

/** `analysts:read,write` (the classes follow the last colon, so a group name may hold colons). */
export function parseGroupRequirement(value: string): GroupRequirement | { error: string } {
    const at = value.lastIndexOf(":");
    const group = at < 0 ? "" : value.slice(0, at);
    if (at < 0 || group === "") return { error: `--require-group takes GROUP:CLASSES, e.g. --require-group analysts:read,write` };
    const parsed = parseRequiredClasses([value.slice(at + 1)]);
    if ("error" in parsed) return { error: parsed.error.replace(/^--require\b/, "--require-group") };
    return { group, classes: parsed.classes };
}

/** A member scope held by one or more group scopes, from the owner records. */
const groupHolderSchema = z.object({
    role: z.string(),
    /** null: the role scope; else the role-in-database scope in this database. */
    database: z.string().nullable(),
    groups: z.array(z.object({ group: z.string(), database: z.string().nullable(), stack: z.string(), resource: z.string() })),
});
export type GroupHolder = z.infer<typeof groupHolderSchema>;

/** A group's members as read: the login roles under it, and those without LOGIN (reported, not required: they never log in). */
export interface GroupMembershipRead {
    readonly group: string;
    readonly exists: boolean;
    /** Set when the members could not be read: a finding. */
    readonly error?: string;
    readonly login: string[];
    readonly noLogin: string[];
}

const groupRequirementResultSchema = z.object({
    group: z.string(),
    classes: z.array(z.string()),
    /** The group's login members when the check ran. */
    members: z.array(z.string()),
    /** Roles under the group without LOGIN: not required. */
    noLogin: z.array(z.string()),
    /** Member × database pairs checked. */
    checked: z.number(),
    /** The group is missing or unreadable: the requirement cannot pass. */
    finding: z.string().optional(),
    // A getter: model.ts and this module import each other.
    get violations() {
        return z.array(violationSchema);
    },
});
export type GroupRequirementResult = z.infer<typeof groupRequirementResultSchema>;

/** What `--json` prints under `groups`. */
export const groupReportSchema = z.object({
    /** Member scopes held by group scopes; `holdersNote` says when the records could not be read. */
    holders: z.array(groupHolderSchema),
    holdersNote: z.string().optional(),
    requirements: z.array(groupRequirementResultSchema),
});
export type GroupReport = z.infer<typeof groupReportSchema>;

/** One owner record, as the owner table keeps it. */
export interface HolderRecord {
    readonly scope: string;
    readonly ownerId: string;
    readonly stack: string;
    readonly resource: string;
}

/** The member scopes group scopes hold: a record of a member scope whose owner id also holds a group key. */
export function groupHolders(records: readonly HolderRecord[]): GroupHolder[] {
    const groupOf = new Map<string, { group: string; database: string | null; stack: string; resource: string }>();
    for (const r of records) {
        const g = parseGroupKey(r.scope);
        if (g) groupOf.set(r.ownerId, { group: g.group, database: g.database ?? null, stack: r.stack, resource: r.resource });
    }
    const byScope = new Map<string, GroupHolder>();
    for (const r of records) {
        const g = groupOf.get(r.ownerId);
        const scope = parseScopeId(r.scope);
        if (!g || !scope || scope.role === undefined) continue;
        const holder = byScope.get(r.scope) ?? { role: scope.role, database: scope.database ?? null, groups: [] };
        holder.groups.push(g);
        byScope.set(r.scope, holder);
    }
    return [...byScope.values()].sort((a, b) => (a.role < b.role ? -1 : a.role > b.role ? 1 : (a.database ?? "") < (b.database ?? "") ? -1 : 1));
}

/** ` via group "analysts"` for a value set at a member scope a group scope holds; "" otherwise. */
export function heldByGroupNote(holders: readonly GroupHolder[], from: SettingOrigin): string {
    if (from.kind !== "role" && from.kind !== "role-in-database") return "";
    const database = from.kind === "role-in-database" ? from.database : null;
    const holder = holders.find((h) => h.role === from.role && h.database === database);
    if (!holder) return "";
    return ` via group ${holder.groups.map((g) => quoteName(g.group)).join(" + ")}`;
}

/** Checks one group requirement against the posture and the membership read with it. */
export function checkGroupRequirement(
    posture: AuditPosture,
    requirement: GroupRequirement,
    membership: GroupMembershipRead | undefined,
): GroupRequirementResult {
    const base = { group: requirement.group, classes: [...requirement.classes], members: membership?.login ?? [], noLogin: membership?.noLogin ?? [] };
    if (!membership || membership.error !== undefined) {
        return {
            ...base,
            checked: 0,
            violations: [],
            finding: `group ${quoteName(requirement.group)}: its members could not be read (${membership?.error ?? "not read"}), so the requirement cannot be verified`,
        };
    }
    if (!membership.exists) {
        return {
            ...base,
            checked: 0,
            violations: [],
            finding: `group ${quoteName(requirement.group)} does not exist, so nobody can be shown to meet the requirement. Fix: correct the name (names are case-sensitive), or drop the requirement`,
        };
    }
    const members = new Set(membership.login);
    const result = checkRequirements({ ...posture, effective: posture.effective.filter((p) => members.has(p.role)) }, requirement.classes);
    return { ...base, checked: result.checked, violations: result.violations };
}

/** The report section of the group requirements. */
export function renderGroupRequirements(report: GroupReport): string[] {
    const lines: string[] = [];
    if (report.holdersNote) lines.push("", `Group scopes: ${safeText(report.holdersNote)}`);
    for (const r of report.requirements) {
        lines.push(
            "",
            `Group requirement: every login member of group ${quoteName(r.group)} audits ${r.classes.join(", ")} in every database it can connect to`,
        );
        const scope = `${r.members.length} login member(s), ${r.checked} member × database pairs checked${r.noLogin.length ? `; not required: ${r.noLogin.length} without LOGIN (${r.noLogin.map(quoteName).join(", ")})` : ""}`;
        if (r.finding) lines.push(`  FAIL ${safeText(r.finding)}`);
        else if (r.violations.length === 0) lines.push(`  OK: ${scope}`);
        else {
            lines.push(...r.violations.map((v) => `  FAIL ${safeText(v.message)}`), `  ${r.violations.length} violation(s); ${scope}`);
            lines.push(
                "  A member that joined (or was changed by hand) since the last apply: run pulumi up --refresh of the stack that declares the group scope.",
            );
        }
    }
    return lines;
}
