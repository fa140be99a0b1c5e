/**
 * What the posture reads about groups, over the posture's own connection: the members of each
 * group a `--require-group` names (recursively over pg_auth_members, as PgAuditScopes resolves
 * them) and the owner records that say which group scope holds which member scope. The records
 * live in the connecting database (on Aiven, defaultdb, where PgAuditScopes connects): where the
 * table is missing or unreadable, the origin column simply names no group.
 */
import { withSession } from "../provider/connection";
import type { ResolvedConnection } from "../model/connectionSpec";
import { readMemberships } from "../provider/catalog/membership";
import { OWNER_TABLE } from "../provider/catalog/ownerStore";
import { groupHolders, type GroupHolder, type GroupMembershipRead } from "./groups";

const HOLDERS_SQL = `
SELECT o.scope, o.owner_id, o.stack, o.resource FROM ${OWNER_TABLE} o
 WHERE o.owner_id IN (SELECT g.owner_id FROM ${OWNER_TABLE} g WHERE g.scope LIKE 'group/%')`;

const TABLE_SQL = `SELECT pg_catalog.to_regclass('${OWNER_TABLE}') IS NOT NULL AS present`;

export interface GroupRead {
    readonly memberships: GroupMembershipRead[];
    readonly holders: GroupHolder[];
    readonly holdersNote?: string;
}

/** Reads the memberships of `groups` (each failure kept as that group's finding) and the group holders. */
export async function readGroups(connection: ResolvedConnection, groups: readonly string[], deadlineSeconds: number): Promise<GroupRead> {
    return withSession(
        connection,
        deadlineSeconds,
        async ({ client }) => {
            let memberships: GroupMembershipRead[];
            try {
                memberships = (await readMemberships(client, groups)).map((m) => ({
                    group: m.group,
                    exists: m.exists,
                    login: m.members.filter((r) => r.login).map((r) => r.name),
                    noLogin: m.members.filter((r) => !r.login).map((r) => r.name),
                }));
            } catch (err) {
                const error = err instanceof Error ? err.message : String(err);
                memberships = groups.map((group) => ({ group, exists: false, error, login: [], noLogin: [] }));
            }
            try {
                const { rows } = await client.query<{ present: boolean }>(TABLE_SQL);
                // No table: no PgAuditScopes ever recorded a scope here, so no value comes from a group scope.
                if (!rows[0].present) return { memberships, holders: [] };
                const records = await client.query<{ scope: string; owner_id: string; stack: string; resource: string }>(HOLDERS_SQL);
                return {
                    memberships,
                    holders: groupHolders(records.rows.map((r) => ({ scope: r.scope, ownerId: r.owner_id, stack: r.stack, resource: r.resource }))),
                };
            } catch (err) {
                return {
                    memberships,
                    holders: [],
                    holdersNote: `the owner records could not be read (${err instanceof Error ? err.message : String(err)}), so the origin column names no group`,
                };
            }
        },
        "--connect-deadline",
    );
}
