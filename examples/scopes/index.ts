/**
 * N role scopes on one server, declared from config: as one PgAuditScopes (the default) or as one
 * PgAuditSetting per scope, for the CLI tests of preview/refresh --diff and of switching shapes,
 * and for the bench. The roles must exist first (`CREATE ROLE scope_role_0 …`).
 *
 *   pulumi config set --secret connection 'postgresql://avnadmin:…@host:port/defaultdb?sslmode=disable'
 *   pulumi config set count 800
 *   pulumi up
 *   pulumi config set changedIndex 3 && pulumi preview --diff     # one scope changes, on one line
 *   pulumi config set retain true && pulumi up                     # switching shapes, step 1
 *   pulumi config set shape PgAuditSetting && pulumi config set retain false && pulumi up   # step 2
 */
import * as pulumi from "@pulumi/pulumi";
import { PgAuditScopes, PgAuditSetting } from "pulumi-aiven-pgaudit";

const config = new pulumi.Config();
const connection = config.requireSecret("connection");
const count = config.getNumber("count") ?? 50;
const prefix = config.get("rolePrefix") ?? "scope_role_";
const changedIndex = config.getNumber("changedIndex") ?? -1;
const log = (i: number) => (i === changedIndex ? (config.get("changedLog") ?? "read") : (config.get("log") ?? "ddl,role"));
const shape = config.get("shape") ?? "PgAuditScopes";
const retainOnDelete = config.getBoolean("retain") ?? false;
const adopt = config.getBoolean("adopt") ?? false;

const scopes = Array.from({ length: count }, (_, i) => ({ role: `${prefix}${i}`, settings: { log: log(i) } }));

let held: pulumi.Output<Record<string, string>>;
if (shape === "PgAuditScopes") {
    const all = new PgAuditScopes("scopes", { connection, scopes, adopt, exclusive: config.getBoolean("exclusive") ?? false }, { retainOnDelete });
    held = all.scopes;
} else if (shape === "PgAuditSetting") {
    // Named as the scope key (PgAuditSetting's id), so both shapes name each scope alike.
    const each = scopes.map((s) => new PgAuditSetting(`role-${s.role}`, { connection, ...s, adopt }, { retainOnDelete }));
    held = pulumi
        .all(each.map((r) => pulumi.all([r.id, r.settings])))
        .apply((pairs) => Object.fromEntries(pairs.map(([id, s]) => [id, `log=${s.log?.join(",")}`])));
} else {
    throw new Error(`config shape: must be PgAuditScopes or PgAuditSetting, not ${JSON.stringify(shape)}`);
}

/** Each scope's settings as held by the resources: the same map whatever the shape. */
export const settingsByScope = held;
