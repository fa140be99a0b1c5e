/** `readAuditPosture(connection)`: every effective pgaudit setting of a server, and where it comes from. */
import { connectionSchema, type ConnectionInput } from "../model/connectionSpec";
import { PgAuditSettingError } from "../model/errors";
import { propertyPath } from "../model/inputFailures";
import { buildAuditPosture } from "./buildPosture";
import type { AuditPosture } from "./model";
import { readCatalog, type ReadCatalogOptions } from "./readCatalog";
import { readObjectAudit } from "./readObjectAudit";
import { readFunctions } from "./readFunctions";
import type { TableName } from "../model/objectAudit";

export interface ReadAuditPostureOptions extends ReadCatalogOptions {
    /**
     * Tables to look for in every database the connecting role may connect to (what
     * `--require-object` checks). Object audit is read anyway wherever a login role gets a
     * pgaudit.role: one session and two queries per such database.
     */
    readonly objectTables?: readonly TableName[];
}

/**
 * Reads the server-wide pgaudit settings, every pgaudit override by scope, and the effective
 * settings of every role in every database that accepts connections, in a fixed number of
 * queries. Connects as `connection` (a URI or `{ host, port, user, password, database, sslMode,
 * caCert }`); a non-superuser sees everything but server-wide values its own overrides mask,
 * which come back as `value: null` with `hiddenBy`. Uses the package's connection pools: call
 * `closeAllPools()` when a one-shot program is done. `objectAudit` holds, per database where a
 * login role gets a pgaudit.role, the privileges of that audit role (object audit coverage).
 * `functions` lists, per database, the functions whose SET clause touches pgaudit.* or
 * log_min_messages (one session and one query per database); `parameterGrants` who holds SET on
 * those parameters. Each pair's `auditLines` says whether its AUDIT lines reach the server log.
 */
export async function readAuditPosture(connection: ConnectionInput, options: ReadAuditPostureOptions = {}): Promise<AuditPosture> {
    const parsed = connectionSchema.safeParse(connection);
    if (!parsed.success) {
        // zod's messages never repeat the value, so no password reaches the message.
        const reasons = parsed.error.issues.map((i) => `connection${i.path.length ? "." + propertyPath(i.path) : ""}: ${i.message}`);
        throw new PgAuditSettingError(`invalid connection: ${reasons.join("; ")}`);
    }
    const readAt = new Date().toISOString();
    const posture = buildAuditPosture(await readCatalog(parsed.data, options));
    const objectAudit = await readObjectAudit(parsed.data, posture, options.objectTables ?? [], options.connectDeadlineSeconds ?? 10);
    const functions = await readFunctions(parsed.data, posture, options.connectDeadlineSeconds ?? 10);
    return { ...posture, readAt, objectAudit, functions };
}
