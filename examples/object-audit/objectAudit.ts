/**
 * One audited table, as functions so that the demo can declare the very same resources that
 * `pulumi up` would: every read of the card number and every change of `public.cards` in
 * database `shop` is logged for every user, even one whose own pgaudit.log is `none`.
 */
import * as pulumi from "@pulumi/pulumi";
import { PgAuditObjectAudit, PgAuditSetting, type ConnectionInput } from "pulumi-aiven-pgaudit";

const AUDIT_ROLE = "auditor";

/**
 * `ALTER DATABASE shop SET pgaudit.role = 'auditor'` (on Aiven, PgAuditLogging sets `audit.role`,
 * server-wide, instead). A program that already declares settings for database `shop` adds
 * `role: AUDIT_ROLE` to those instead: one resource per scope.
 */
export function declareAuditRoleSetting(connection: pulumi.Input<ConnectionInput>, opts?: pulumi.CustomResourceOptions): PgAuditSetting {
    return new PgAuditSetting("shop-audit-role", { connection, database: "shop", settings: { role: AUDIT_ROLE } }, opts);
}

/** The audit role's privileges in `shop`. Needs `public.cards(id, holder, pan)` owned by the connecting role. */
export function declareAuditedCards(connection: pulumi.Input<ConnectionInput>, opts?: pulumi.CustomResourceOptions): PgAuditObjectAudit {
    return new PgAuditObjectAudit(
        "shop-cards",
        {
            connection,
            database: "shop",
            auditRole: AUDIT_ROLE,
            createRole: true,
            objects: [
                { table: "public.cards", privileges: ["select"], columns: ["pan"] },
                { table: "public.cards", privileges: ["insert", "update", "delete"] },
            ],
        },
        opts,
    );
}
