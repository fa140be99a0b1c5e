/**
 * The audit posture of the local example, as a function so that `npm run demo` can declare the
 * very same resources that `pulumi up` would.
 */
import * as pulumi from "@pulumi/pulumi";
import { PgAuditSetting, type ConnectionInput } from "pulumi-aiven-pgaudit";

export interface LocalPosture {
    readonly shop: PgAuditSetting;
    readonly app: PgAuditSetting;
    readonly reporting: PgAuditSetting;
    readonly appInShop: PgAuditSetting;
}

/**
 * - database `shop`: every schema change and privilege change (ddl, role);
 * - role `app` (the application): everything it writes, in every database;
 * - role `reporting` (a read-only service): nothing, on purpose, documented here;
 * - role `app` in `shop`: writes and reads, the one place its reads matter.
 */
export function declarePosture(connection: pulumi.Input<ConnectionInput>, opts?: pulumi.CustomResourceOptions): LocalPosture {
    return {
        shop: new PgAuditSetting("db-shop", { connection, database: "shop", settings: { log: ["ddl", "role"] } }, opts),
        app: new PgAuditSetting("role-app", { connection, role: "app", settings: { log: ["write"] } }, opts),
        reporting: new PgAuditSetting("role-reporting", { connection, role: "reporting", settings: { log: ["none"] } }, opts),
        appInShop: new PgAuditSetting(
            "role-app-in-shop",
            { connection, role: "app", database: "shop", settings: { log: ["read", "write"], logRelation: true } },
            opts,
        ),
    };
}
