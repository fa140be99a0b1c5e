/**
 * The dynamic provider of PgAuditObjectAudit: the privileges of the audit role in one database,
 * written with GRANT and REVOKE in one transaction that commits only once the server holds
 * exactly the declaration. check and diff are pure, so `pulumi preview` never touches a database.
 *
 * Ownership (core/ownership.ts, docs/ownership.md): the owned scope is the audit role's
 * privileges in the database, keyed `objects/database/<db>/role/<role>` and recorded in the
 * owner table of that database, in the same transaction as the GRANTs and REVOKEs. A rename's
 * create takes it from the old resource, whose delete then revokes nothing.
 */
import type * as pulumi from "@pulumi/pulumi";
import type pg from "pg";
import { withSession } from "../connection";
import { sameConnection } from "../../model/connectionSpec";
import { ownProperties, parseOrThrow, hasUnknown, type EngineProps, checkAndDiff } from "../core/dynamicInputs";
import { sameJson } from "../../model/sameJson";
import { PgAuditSettingError } from "../../model/errors";
import { explainPgError } from "../serverErrors";
import { readServerFacts, runStatements } from "../catalog/scopeStore";
import { beginOwned, claimSql, ensureOwnerTable, evictSql, readOwned, releaseSql } from "../catalog/ownerStore";
import { decideClaim, mayRelease, newOwnerId, serverChanged } from "../../model/ownership";
import {
    assertDeclaredExist,
    assertMayGrant,
    assertNoForeignGrants,
    assertReached,
    createRoleSql,
    declaredGrants,
    dropRoleSql,
    entriesOf,
    planGrants,
    planStatements,
    sameGrants,
    tablesOf,
} from "./plan";
import {
    objectAuditInputFailures,
    objectAuditInputsSchema,
    objectAuditStateSchema,
    objectEntrySchema,
    type ObjectAuditInputs,
    type ObjectEntry,
} from "./schema";
import { checkObjectAuditInputs } from "./lifecycle";
import { readGrants, readRoleOid, readTables, roleInUse } from "./store";

/** A stable id naming the database and the audit role; names are percent-encoded so any name round-trips. */
function objectAuditId(inputs: { database: string; auditRole: string }): string {
    return `database/${encodeURIComponent(inputs.database)}/role/${encodeURIComponent(inputs.auditRole)}`;
}

/** The owner record's key: everything this resource writes and its delete revokes. */
export function objectAuditScopeKey(inputs: { database: string; auditRole: string }): string {
    return `objects/${objectAuditId(inputs)}`;
}

const describeObjects = (inputs: { database: string; auditRole: string }) =>
    `the object audit of role ${JSON.stringify(inputs.auditRole)} in database ${JSON.stringify(inputs.database)}`;

/** The records live in the audited database, beside the grants; so creating them needs CREATE there. */
const tableFix = (database: string) =>
    `GRANT CREATE ON DATABASE ${JSON.stringify(database)} to the connecting role (on Aiven, databases made by aiven.PgDatabase are owned by avnadmin, which may)`;

function parseInputs(props: Record<string, unknown>): ObjectAuditInputs {
    const { roleCreated: _output, ownerId: _id, ...inputs } = ownProperties(props);
    return parseOrThrow("PgAuditObjectAudit", objectAuditInputsSchema, inputs, objectAuditInputFailures);
}

const parseState = (props: Record<string, unknown>) => parseOrThrow("PgAuditObjectAudit", objectAuditStateSchema, props, objectAuditInputFailures);

function grantsOrUndefined(objects: unknown) {
    if (!Array.isArray(objects) || hasUnknown(objects)) return undefined;
    const parsed = objectEntrySchema.array().safeParse(objects);
    return parsed.success ? declaredGrants(parsed.data) : undefined;
}

/**
 * A new database or audit role is another resource (replace), and so is a connection to another
 * server (create there first, then the old one's delete revokes on the old server); objects compare
 * as sets of privileges. An owner label change (an aliased rename) updates the record.
 */
export function diffObjectAudit(olds: Record<string, unknown>, news: Record<string, unknown>): { changes: boolean; replaces: string[]; changed: string[] } {
    const replaces: string[] = (["database", "auditRole"] as const).filter((k) => olds[k] !== news[k]);
    if (serverChanged(olds.connection, news.connection)) replaces.push("connection");
    const changed: string[] = [...replaces];
    const before = grantsOrUndefined(olds.objects);
    const after = grantsOrUndefined(news.objects);
    if (before === undefined || after === undefined || !sameGrants(before, after)) changed.push("objects");
    if (!sameConnection(olds.connection, news.connection) && !changed.includes("connection")) changed.push("connection");
    if ((olds.createRole ?? false) !== (news.createRole ?? false)) changed.push("createRole");
    if ((olds.connectDeadlineSeconds ?? 60) !== (news.connectDeadlineSeconds ?? 60)) changed.push("connectDeadlineSeconds");
    if (!sameJson(olds.owner, news.owner)) changed.push("owner");
    return { changes: changed.length > 0, replaces, changed };
}

function outputsOf(
    inputs: ObjectAuditInputs,
    roleCreated: boolean,
    ownerId: string | undefined,
    objects: ObjectEntry[] = inputs.objects,
): Record<string, unknown> {
    return { ...inputs, objects, roleCreated, ...(ownerId !== undefined ? { ownerId } : {}) };
}

/** Grants live per database: connect to the audited one with the connection's server and credentials. */
const target = (inputs: Pick<ObjectAuditInputs, "connection" | "database">) => ({ ...inputs.connection, database: inputs.database });

/**
 * Makes the audit role hold exactly the declared privileges and records `ownerId` as their owner,
 * in one transaction under the owner lock; returns whether it created the role. Another stack's
 * record stops it unless adopted; one of this stack under another id (a rename, a move) is taken
 * over, and the grants found are then this stack's, not foreign.
 */
async function apply(inputs: ObjectAuditInputs, ownerId: string, action: "creating" | "updating", previouslyOwned: boolean): Promise<boolean> {
    const { database, auditRole } = inputs;
    return withSession(target(inputs), inputs.connectDeadlineSeconds, async (session) => {
        const facts = await readServerFacts(session);
        if (facts.pgauditParameters.length === 0) {
            throw new PgAuditSettingError(
                `pgaudit is not loaded on this server, so no grant to ${JSON.stringify(auditRole)} would audit anything: enable pgaudit first ` +
                    `(Aiven: pgUserConfig.pgaudit.featureEnabled = true; elsewhere shared_preload_libraries = 'pgaudit' and a restart)`,
            );
        }
        await ensureOwnerTable(session, true, tableFix(database));
        const { client } = session;
        const key = objectAuditScopeKey(inputs);
        try {
            const records = await beginOwned(client, [key]);
            const decision = decideClaim({
                scope: describeObjects(inputs),
                records: records.of(key),
                claimant: { id: ownerId, label: inputs.owner },
                previouslyOwned,
                adopt: inputs.adopt,
            });
            if (decision.kind === "refuse") throw new PgAuditSettingError(`PgAuditObjectAudit changed nothing: ${decision.problem}`);
            let created = false;
            if ((await readRoleOid(client, auditRole)) === undefined) {
                if (!inputs.createRole) {
                    throw new PgAuditSettingError(
                        `the audit role ${JSON.stringify(auditRole)} does not exist: set createRole: true to create it (NOLOGIN), or create it first (names are case-sensitive)`,
                    );
                }
                created = await createRoleUnlessRaced(client, auditRole);
            }
            const desired = declaredGrants(inputs.objects);
            const found = await readGrants(client, auditRole);
            if (action === "creating" && !decision.handover) assertNoForeignGrants(database, auditRole, found, desired, inputs.adopt);
            const plan = planGrants(found, desired);
            const tables = await readTables(client, tablesOf([...desired, ...plan.revoke]));
            assertDeclaredExist(database, desired, tables);
            assertMayGrant(database, facts.currentUser, plan, tables);
            await runStatements(client, planStatements(plan, auditRole));
            assertReached(database, auditRole, await readGrants(client, auditRole), desired);
            const evict = evictSql(decision.evict.map((id) => [key, id] as const));
            await runStatements(client, [...(evict ? [evict] : []), claimSql([key], ownerId, inputs.owner)!, "COMMIT"]);
            return created;
        } catch (err) {
            await client.query("ROLLBACK").catch(() => undefined);
            throw explainPgError(err, { action: `${action} object audit of database ${JSON.stringify(database)}`, user: facts.currentUser });
        }
    });
}

/**
 * Creates the audit role. Another resource (the same role audited in another database) may create
 * it at the same moment: then ours waits for theirs, fails as a duplicate, and the role is theirs.
 */
async function createRoleUnlessRaced(client: pg.ClientBase, role: string): Promise<boolean> {
    await client.query("SAVEPOINT create_audit_role");
    try {
        await client.query(createRoleSql(role));
        return true;
    } catch (err) {
        const code = (err as { code?: string }).code;
        if (code !== "42710" && code !== "23505") throw err;
        await client.query("ROLLBACK TO SAVEPOINT create_audit_role");
        return false;
    }
}

const databaseGone = (err: unknown) => err instanceof PgAuditSettingError && err.sqlState === "3D000";

/** The dynamic provider of PgAuditObjectAudit (loaded by name from __provider). */
export const pgAuditObjectAuditProvider: pulumi.dynamic.ResourceProvider = {
    ...checkAndDiff(checkObjectAuditInputs, diffObjectAudit),

    async create(props: EngineProps) {
        const inputs = parseInputs(props);
        const ownerId = newOwnerId();
        const created = await apply(inputs, ownerId, "creating", false);
        return { id: objectAuditId(inputs), outs: outputsOf(inputs, created, ownerId) };
    },

    /**
     * Refresh: the privileges as found. A grant added or revoked by hand shows as a change of
     * `objects`. Held by another resource: no longer this one's (the next up says who holds it).
     * State older than owner records claims the grants here when nobody else has.
     */
    async read(id: string, props: EngineProps) {
        const state = parseState(props);
        const key = objectAuditScopeKey(state);
        try {
            return await withSession(target(state), state.connectDeadlineSeconds, async (session) => {
                const read = await readOwned(session, key, state, async (client) =>
                    (await readRoleOid(client, state.auditRole)) === undefined ? undefined : readGrants(client, state.auditRole),
                );
                if (!read) return {};
                const { ownerId } = read;
                const { roleCreated, ownerId: _id, ...inputs } = outputsOf(state, state.roleCreated, ownerId, entriesOf(read.found));
                return { id, props: { ...inputs, roleCreated, ...(ownerId !== undefined ? { ownerId } : {}) }, inputs };
            });
        } catch (err) {
            if (databaseGone(err)) return {};
            throw err;
        }
    },

    async update(_id: string, olds: EngineProps, news: EngineProps) {
        const inputs = parseInputs(news);
        const previous = parseState(olds);
        // A connection to another server replaces (diff), so olds and news name one server here.
        const ownerId = previous.ownerId ?? newOwnerId();
        const created = await apply(inputs, ownerId, "updating", previous.ownerId !== undefined);
        return { outs: outputsOf(inputs, created || previous.roleCreated, ownerId) };
    },

    /**
     * Revokes every privilege of the audit role in the database; drops the role only if this
     * resource created it and nothing else uses it. Only while no other resource holds them: a
     * rename's new resource has taken them by now, and this delete then only drops its record.
     */
    async delete(_id: string, props: EngineProps) {
        const state = parseState(props);
        const { database, auditRole } = state;
        try {
            await withSession(target(state), state.connectDeadlineSeconds, async (session) => {
                const facts = await readServerFacts(session);
                const present = await ensureOwnerTable(session, false);
                const { client } = session;
                const key = objectAuditScopeKey(state);
                try {
                    const records = await beginOwned(client, [key], present);
                    const oid = await readRoleOid(client, auditRole);
                    if (oid !== undefined && mayRelease(records.of(key), state.ownerId)) {
                        const plan = planGrants(await readGrants(client, auditRole), []);
                        assertMayGrant(database, facts.currentUser, plan, await readTables(client, tablesOf(plan.revoke)));
                        await runStatements(client, planStatements(plan, auditRole));
                        assertReached(database, auditRole, await readGrants(client, auditRole), []);
                        if (state.roleCreated && !(await roleInUse(client, oid))) await client.query(dropRoleSql(auditRole));
                    }
                    const release = present ? releaseSql([key], state.ownerId) : undefined;
                    await runStatements(client, [...(release ? [release] : []), "COMMIT"]);
                } catch (err) {
                    await client.query("ROLLBACK").catch(() => undefined);
                    throw explainPgError(err, { action: `removing object audit of database ${JSON.stringify(database)}`, user: facts.currentUser });
                }
            });
        } catch (err) {
            // A dropped database took its privileges with it.
            if (!databaseGone(err)) throw err;
        }
    },
};
