/**
 * The audit posture of the local example, as a function so that the tests, the demo and the bench
 * declare the very same resources that `pulumi up` applies.
 */
import * as pulumi from "@pulumi/pulumi";
import { PgAuditObjectAudit, PgAuditSetting, type ConnectionInput } from "pulumi-aiven-pgaudit";

export interface LocalPosture {
    readonly shop: PgAuditSetting;
    readonly app: PgAuditSetting;
    readonly reporting: PgAuditSetting;
    readonly appInShop: PgAuditSetting;
    readonly cards: PgAuditObjectAudit;
}

/**
 * - database `shop`: every schema change and privilege change (ddl, role), and object audit
 *   through the audit role `auditor`;
 * - role `app` (the application): everything it writes, in every database;
 * - role `reporting` (a read-only service): nothing, on purpose, documented here;
 * - role `app` in `shop`: writes and reads, the one place its reads matter;
 * - table `public.cards` in `shop`: every read of the card number (`pan`) and every change, by
 *   anyone, whatever their own pgaudit.log (object audit: the privileges of `auditor`).
 */
export function declarePosture(connection: pulumi.Input<ConnectionInput>, opts?: pulumi.CustomResourceOptions): LocalPosture {
    return {
        shop: new PgAuditSetting("db-shop", { connection, database: "shop", settings: { log: ["ddl", "role"], role: "auditor" } }, opts),
        app: new PgAuditSetting("role-app", { connection, role: "app", settings: { log: ["write"] } }, opts),
        reporting: new PgAuditSetting("role-reporting", { connection, role: "reporting", settings: { log: ["none"] } }, opts),
        appInShop: new PgAuditSetting(
            "role-app-in-shop",
            { connection, role: "app", database: "shop", settings: { log: ["read", "write"], logRelation: true } },
            opts,
        ),
        cards: new PgAuditObjectAudit(
            "shop-cards",
            {
                connection,
                database: "shop",
                auditRole: "auditor",
                createRole: true,
                objects: [
                    { table: "public.cards", privileges: ["select"], columns: ["pan"] },
                    { table: "public.cards", privileges: ["insert", "update", "delete"] },
                ],
            },
            opts,
        ),
    };
}
