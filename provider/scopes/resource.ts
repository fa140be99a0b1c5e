/**
 * PgAuditScopes: the pgaudit settings of many scopes of one server (databases, roles, roles in
 * databases) as one resource, applied in one transaction: all of the declaration is in force, or
 * none of the change is. One resource in state whatever the number of scopes, so `pulumi up`
 * costs the engine one step.
 */
import * as pulumi from "@pulumi/pulumi";
import type { ConnectionInput } from "../../model/connectionSpec";
import { checkedAtConstruction } from "../core/constructionCheck";
import type { OnUnresettable, UndeclaredOverride } from "../../model/undeclared";
import { lazyProvider } from "../core/lazyProvider";
import { ownerLabel } from "../core/ownerLabel";
import type { PgAuditSettingsInput } from "../../model/settingsSchema";
import { checkScopesInputs } from "./lifecycle";
import { settingsMapOf } from "../../model/settingsText";

/** One scope and its settings: a database, a role, or both (the role in that database). */
export interface PgAuditScopeArgs {
    /** The database scope (`ALTER DATABASE … SET`); with `role`, the role-in-database scope. */
    database?: pulumi.Input<string>;
    /** The role scope (`ALTER ROLE … SET`); with `database`, `ALTER ROLE … IN DATABASE … SET`. */
    role?: pulumi.Input<string>;
    /** The scope's pgaudit settings, as PgAuditSetting takes them. Keys not declared are reset there. */
    settings: pulumi.Input<PgAuditSettingsInput>;
}

/** The login members of a group role (directly or through other roles), each given the same settings (docs/groups.md). */
export interface PgAuditGroupScopeArgs {
    /** The group role, exactly as PostgreSQL stores its name. Members found at each apply and refresh. */
    group: pulumi.Input<string>;
    /** With it, each member's role-in-database scope in this database; without, each member's role scope. */
    database?: pulumi.Input<string>;
    /** The settings each login member gets. A member declared on its own in `scopes` keeps its own. */
    settings: pulumi.Input<PgAuditSettingsInput>;
}

/** The arguments of PgAuditScopes. */
export interface PgAuditScopesArgs {
    /**
     * Where the settings live: `postgresql://user:password@host:port/database?sslmode=require`, or
     * `{ host, port, user, password, database, sslMode, caCert }`. Kept secret in state.
     */
    connection: pulumi.Input<ConnectionInput>;
    /** Every scope this resource owns, each at most once. A scope removed from the list is reset. */
    scopes: pulumi.Input<pulumi.Input<PgAuditScopeArgs>[]>;
    /**
     * Group scopes: the settings of every login member of each group, resolved in the apply's
     * transaction (recursively through pg_auth_members). A role that leaves the group is reset.
     */
    groups?: pulumi.Input<pulumi.Input<PgAuditGroupScopeArgs>[]>;
    /**
     * Take over pgaudit settings that already exist at a scope this resource starts to own.
     * Without it, the apply fails, changes nothing and lists what it found. Default false.
     */
    adopt?: pulumi.Input<boolean>;
    /** How long to keep retrying a server that is still starting, in seconds. Default 60. */
    connectDeadlineSeconds?: pulumi.Input<number>;
    /**
     * Reset every pgaudit.* override at a scope not declared here (say a hand-typed
     * `ALTER ROLE x SET pgaudit.log = 'none'`), in the same transaction. Default false.
     */
    exclusive?: pulumi.Input<boolean>;
    /** With exclusive, an override the connecting role may not reset: "fail" (default) changes nothing; "report" lists it in `undeclared`. */
    onUnresettable?: pulumi.Input<OnUnresettable>;
}

/** The scope map of the state's text (or of a state's map, from before the text). */
function scopeLinesOf(value: unknown): Record<string, string> {
    return Object.fromEntries(Object.entries(settingsMapOf(value) ?? {}).filter((entry): entry is [string, string] => typeof entry[1] === "string"));
}

/** Many scopes on one server in one resource, applied all or nothing in one transaction. */
export class PgAuditScopes extends pulumi.dynamic.Resource {
    /**
     * Each owned scope's settings, by scope key (`database/shop`, `role/app`,
     * `role/app/database/shop`; names percent-encoded), as one line: `log=ddl,role; logCatalog=false`.
     * As applied; after a refresh, as found on the server (a scope whose database or role is gone drops out).
     */
    declare public readonly scopes: pulumi.Output<Record<string, string>>;
    /** With exclusive: overrides at undeclared scopes found by the last refresh, or left by the last apply ("report"). */
    declare public readonly undeclared: pulumi.Output<UndeclaredOverride[] | undefined>;
    /** Each declared group's settings line, by group key (`group/analysts`, `group/analysts/database/shop`). */
    declare public readonly groups: pulumi.Output<Record<string, string> | undefined>;
    /** By group key, the member scopes it holds (`role/alice`) and the line each holds: as applied, or as refresh found them. */
    declare public readonly members: pulumi.Output<Record<string, Record<string, string>> | undefined>;
    /** After a refresh: by group key, member scopes of roles that left the group but still hold its settings (the next up resets them). */
    declare public readonly leavers: pulumi.Output<Record<string, Record<string, string>> | undefined>;

    /** Throws PgAuditInputError at once for bad input whose value is known (provider check's messages). */
    constructor(name: string, args: PgAuditScopesArgs, opts?: pulumi.CustomResourceOptions) {
        // A plain list goes to the engine as the text check writes: one string serializes far faster (bench).
        const inputs = checkedAtConstruction(
            `PgAuditScopes "${name}"`,
            {
                connection: args.connection,
                scopes: args.scopes,
                groups: args.groups,
                adopt: args.adopt,
                connectDeadlineSeconds: args.connectDeadlineSeconds,
                owner: ownerLabel("PgAuditScopes", name),
                exclusive: args.exclusive,
                onUnresettable: args.onUnresettable,
            },
            checkScopesInputs,
            ["scopes", "groups"],
        );
        super(
            lazyProvider("pgAuditScopesProvider"),
            name,
            {
                ...inputs,
                connection: pulumi.secret(inputs.connection),
                undeclared: undefined,
                ownerId: undefined,
                members: undefined,
                leavers: undefined,
            },
            pulumi.mergeOptions(opts, { additionalSecretOutputs: ["connection"] }),
            "pgaudit",
            "PgAuditScopes",
        );
        // The engine holds the scopes as one text (schema.ts); the output is the map it holds.
        const text: pulumi.Output<unknown> = this.scopes;
        this.scopes = text.apply(scopeLinesOf);
    }
}
