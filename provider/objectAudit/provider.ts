/**
 * The dynamic provider of PgAuditObjectAudit: the privileges of the audit role in one database,
 * written with GRANT and REVOKE in one transaction that commits only once the server holds
 * exactly the declaration. check and diff are pure, so `pulumi preview` never touches a database.
 */
import type * as pulumi from "@pulumi/pulumi";
import type pg from "pg";
import { withSession } from "../connection";
import { sameConnection } from "../core/connectionSpec";
import { ownProperties, parseOrThrow, unknownPaths } from "../core/dynamicInputs";
import { explainPgError, PgAuditSettingError } from "../core/errors";
import { readServerFacts, runStatements } from "../catalog/scopeStore";
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
export function objectAuditId(inputs: { database: string; auditRole: string }): string {
    return `database/${encodeURIComponent(inputs.database)}/role/${encodeURIComponent(inputs.auditRole)}`;
}

function parseInputs(props: Record<string, unknown>): ObjectAuditInputs {
    const { roleCreated: _output, ...inputs } = ownProperties(props);
    return parseOrThrow("PgAuditObjectAudit", objectAuditInputsSchema, inputs, objectAuditInputFailures);
}

const parseState = (props: Record<string, unknown>) => parseOrThrow("PgAuditObjectAudit", objectAuditStateSchema, props, objectAuditInputFailures);

function grantsOrUndefined(objects: unknown) {
    if (!Array.isArray(objects) || unknownPaths(objects).length > 0) return undefined;
    const parsed = objectEntrySchema.array().safeParse(objects);
    return parsed.success ? declaredGrants(parsed.data) : undefined;
}

/** A new database or audit role is another resource (replace); objects compare as sets of privileges. */
export function diffObjectAudit(olds: Record<string, unknown>, news: Record<string, unknown>): { changes: boolean; replaces: string[]; changed: string[] } {
    const replaces = (["database", "auditRole"] as const).filter((k) => olds[k] !== news[k]);
    const changed: string[] = [...replaces];
    const before = grantsOrUndefined(olds.objects);
    const after = grantsOrUndefined(news.objects);
    if (before === undefined || after === undefined || !sameGrants(before, after)) changed.push("objects");
    if (!sameConnection(olds.connection, news.connection)) changed.push("connection");
    if ((olds.createRole ?? false) !== (news.createRole ?? false)) changed.push("createRole");
    if ((olds.connectDeadlineSeconds ?? 60) !== (news.connectDeadlineSeconds ?? 60)) changed.push("connectDeadlineSeconds");
    return { changes: changed.length > 0, replaces, changed };
}

function outputsOf(inputs: ObjectAuditInputs, roleCreated: boolean, objects: ObjectEntry[] = inputs.objects): Record<string, unknown> {
    return { ...inputs, objects, roleCreated };
}

/** Grants live per database: connect to the audited one with the connection's server and credentials. */
const target = (inputs: Pick<ObjectAuditInputs, "connection" | "database">) => ({ ...inputs.connection, database: inputs.database });

/** Makes the audit role hold exactly the declared privileges; returns whether it created the role. */
async function apply(inputs: ObjectAuditInputs, action: "creating" | "updating"): Promise<boolean> {
    const { database, auditRole } = inputs;
    return withSession(target(inputs), inputs.connectDeadlineSeconds, async (session) => {
        const facts = await readServerFacts(session);
        if (facts.pgauditParameters.length === 0) {
            throw new PgAuditSettingError(
                `pgaudit is not loaded on this server, so no grant to ${JSON.stringify(auditRole)} would audit anything: enable pgaudit first ` +
                    `(Aiven: pgUserConfig.pgaudit.featureEnabled = true; elsewhere shared_preload_libraries = 'pgaudit' and a restart)`,
            );
        }
        const { client } = session;
        await client.query("BEGIN");
        try {
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
            if (action === "creating") assertNoForeignGrants(database, auditRole, found, desired, inputs.adopt);
            const plan = planGrants(found, desired);
            const tables = await readTables(client, tablesOf([...desired, ...plan.revoke]));
            assertDeclaredExist(database, desired, tables);
            assertMayGrant(database, facts.currentUser, plan, tables);
            await runStatements(client, planStatements(plan, auditRole));
            assertReached(database, auditRole, await readGrants(client, auditRole), desired);
            await client.query("COMMIT");
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
    async check(_olds, news) {
        return checkObjectAuditInputs(news);
    },

    async diff(_id, olds, news) {
        const { changes, replaces } = diffObjectAudit(olds, news);
        return { changes, replaces };
    },

    async create(props) {
        const inputs = parseInputs(props);
        const created = await apply(inputs, "creating");
        return { id: objectAuditId(inputs), outs: outputsOf(inputs, created) };
    },

    /** Refresh: the privileges as found. A grant added or revoked by hand shows as a change of `objects`. */
    async read(id, props) {
        const state = parseState(props);
        try {
            return await withSession(target(state), state.connectDeadlineSeconds, async ({ client }) => {
                if ((await readRoleOid(client, state.auditRole)) === undefined) return {};
                const { roleCreated, ...inputs } = outputsOf(state, state.roleCreated, entriesOf(await readGrants(client, state.auditRole)));
                return { id, props: { ...inputs, roleCreated }, inputs };
            });
        } catch (err) {
            if (databaseGone(err)) return {};
            throw err;
        }
    },

    async update(_id, olds, news) {
        const inputs = parseInputs(news);
        const created = await apply(inputs, "updating");
        return { outs: outputsOf(inputs, created || olds.roleCreated === true) };
    },

    /** Revokes every privilege of the audit role in the database; drops the role only if this resource created it and nothing else uses it. */
    async delete(_id, props) {
        const state = parseState(props);
        const { database, auditRole } = state;
        try {
            await withSession(target(state), state.connectDeadlineSeconds, async (session) => {
                const facts = await readServerFacts(session);
                const { client } = session;
                await client.query("BEGIN");
                try {
                    const oid = await readRoleOid(client, auditRole);
                    if (oid !== undefined) {
                        const plan = planGrants(await readGrants(client, auditRole), []);
                        assertMayGrant(database, facts.currentUser, plan, await readTables(client, tablesOf(plan.revoke)));
                        await runStatements(client, planStatements(plan, auditRole));
                        assertReached(database, auditRole, await readGrants(client, auditRole), []);
                        if (state.roleCreated && !(await roleInUse(client, oid))) await client.query(dropRoleSql(auditRole));
                    }
                    await client.query("COMMIT");
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
