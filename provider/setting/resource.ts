/**
 * PgAuditSetting: the pgaudit settings of one database, one role, or one role in one database,
 * managed with `ALTER DATABASE/ROLE … SET pgaudit.*` through a dynamic provider.
 */
import * as pulumi from "@pulumi/pulumi";
import type { ConnectionInput } from "../../model/connectionSpec";
import { checkedAtConstruction } from "../core/constructionCheck";
import { lazyProvider } from "../core/lazyProvider";
import { ownerLabel } from "../core/ownerLabel";
import { checkInputs } from "./lifecycle";
import type { PgAuditSettings, PgAuditSettingsInput } from "../../model/settingsSchema";

/** The arguments of PgAuditSetting. */
export interface PgAuditSettingArgs {
    /**
     * Where the settings live: `postgresql://user:password@host:port/database?sslmode=require`, or
     * `{ host, port, user, password, database, sslMode, caCert }`. Kept secret in state. On Aiven,
     * connect as avnadmin; TLS is verified against `caCert` when given.
     */
    connection: pulumi.Input<ConnectionInput>;
    /** The database scope (`ALTER DATABASE … SET`); with `role`, the role-in-database scope. */
    database?: pulumi.Input<string>;
    /** The role scope (`ALTER ROLE … SET`); with `database`, `ALTER ROLE … IN DATABASE … SET`. */
    role?: pulumi.Input<string>;
    /**
     * The pgaudit settings of the scope, camelCase (`log`, `logCatalog`, `logLevel`, …). The
     * resource owns the scope's pgaudit settings: keys not declared here are reset there.
     */
    settings: pulumi.Input<PgAuditSettingsInput>;
    /**
     * Take over pgaudit settings that already exist at the scope. Without it, create fails and
     * shows what it found (dynamic resources cannot be imported). Default false.
     */
    adopt?: pulumi.Input<boolean>;
    /** How long to keep retrying a server that is still starting, in seconds. Default 60. */
    connectDeadlineSeconds?: pulumi.Input<number>;
}

/** The pgaudit settings of one database, one role, or one role in one database. */
export class PgAuditSetting extends pulumi.dynamic.Resource {
    /** The database of the scope, if any. */
    declare public readonly database: pulumi.Output<string | undefined>;
    /** The role of the scope, if any. */
    declare public readonly role: pulumi.Output<string | undefined>;
    /** The settings as declared, normalized; after a refresh, as found on the server. */
    declare public readonly settings: pulumi.Output<PgAuditSettings>;
    /** The scope in words: `role "app" in database "shop"`. */
    declare public readonly scope: pulumi.Output<string>;

    /** Throws PgAuditInputError at once for bad input whose value is known (provider check's messages). */
    constructor(name: string, args: PgAuditSettingArgs, opts?: pulumi.CustomResourceOptions) {
        const inputs = checkedAtConstruction(
            `PgAuditSetting "${name}"`,
            {
                connection: args.connection,
                database: args.database,
                role: args.role,
                settings: args.settings,
                adopt: args.adopt,
                connectDeadlineSeconds: args.connectDeadlineSeconds,
                owner: ownerLabel("PgAuditSetting", name),
            },
            checkInputs,
        );
        super(
            lazyProvider("pgAuditSettingProvider"),
            name,
            { ...inputs, connection: pulumi.secret(inputs.connection), scope: undefined, ownerId: undefined },
            pulumi.mergeOptions(opts, { additionalSecretOutputs: ["connection"] }),
            "pgaudit",
            "PgAuditSetting",
        );
    }
}
