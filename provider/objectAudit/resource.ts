/**
 * PgAuditObjectAudit: which tables and columns pgaudit's object audit logs, for every user, as
 * the privileges of the audit role (the role `pgaudit.role` names) in one database.
 */
import * as pulumi from "@pulumi/pulumi";
import type { ConnectionInput } from "../../model/connectionSpec";
import { checkedAtConstruction } from "../core/constructionCheck";
import { lazyProvider } from "../core/lazyProvider";
import { ownerLabel } from "../core/ownerLabel";
import { checkObjectAuditInputs } from "./lifecycle";
import type { ObjectEntry, ObjectEntryInput } from "./schema";

/** The arguments of PgAuditObjectAudit. */
export interface PgAuditObjectAuditArgs {
    /**
     * The server and credentials: a URI or `{ host, port, user, password, database, sslMode, caCert }`.
     * Kept secret in state. The resource connects to `database` with them. On Aiven, avnadmin.
     */
    connection: pulumi.Input<ConnectionInput>;
    /** The database whose tables are audited: grants live per database. */
    database: pulumi.Input<string>;
    /**
     * The audit role: the role `pgaudit.role` names (Aiven: `audit.role` of the service, or a
     * database's `role` setting). A role that only holds privileges; NOLOGIN is enough.
     */
    auditRole: pulumi.Input<string>;
    /** Create the audit role (NOLOGIN) when it is missing; delete then drops it if nothing else uses it. Default false. */
    createRole?: pulumi.Input<boolean>;
    /**
     * What is audited: `[{ table: "public.cards", privileges: ["select"], columns: ["pan"] },
     * { table: "public.cards", privileges: ["update"] }]`. Columns only with select, insert,
     * update. The resource owns every select/insert/update/delete privilege of the audit role in
     * the database: one not declared here is revoked.
     */
    objects: pulumi.Input<pulumi.Input<ObjectEntryInput>[]>;
    /** Take over privileges the audit role already holds in the database (create fails otherwise, showing them). Default false. */
    adopt?: pulumi.Input<boolean>;
    /** How long to keep retrying a server that is still starting, in seconds. Default 60. */
    connectDeadlineSeconds?: pulumi.Input<number>;
}

/** The audit role's privileges in one database: which tables and columns object audit logs, for everyone. */
export class PgAuditObjectAudit extends pulumi.dynamic.Resource {
    declare public readonly database: pulumi.Output<string>;
    declare public readonly auditRole: pulumi.Output<string>;
    /** The audited objects, normalized; after a refresh, as found on the server. */
    declare public readonly objects: pulumi.Output<ObjectEntry[]>;
    /** Whether this resource created the audit role (and so may drop it on delete). */
    declare public readonly roleCreated: pulumi.Output<boolean>;

    /** Throws PgAuditInputError at once for bad input whose value is known (provider check's messages). */
    constructor(name: string, args: PgAuditObjectAuditArgs, opts?: pulumi.CustomResourceOptions) {
        const inputs = checkedAtConstruction(
            `PgAuditObjectAudit "${name}"`,
            {
                connection: args.connection,
                database: args.database,
                auditRole: args.auditRole,
                createRole: args.createRole,
                objects: args.objects,
                adopt: args.adopt,
                connectDeadlineSeconds: args.connectDeadlineSeconds,
                owner: ownerLabel("PgAuditObjectAudit", name),
            },
            checkObjectAuditInputs,
        );
        super(
            lazyProvider("pgAuditObjectAuditProvider"),
            name,
            { ...inputs, connection: pulumi.secret(inputs.connection), roleCreated: undefined, ownerId: undefined },
            pulumi.mergeOptions(opts, { additionalSecretOutputs: ["connection"] }),
            "pgaudit",
            "PgAuditObjectAudit",
        );
    }
}
