/**
 * PgAuditExclusive: makes a stack's pgaudit declaration exclusive. Given the scopes the stack
 * declares, pgaudit overrides anywhere else (set by hand, say `ALTER ROLE app SET pgaudit.log =
 * 'none'`) are listed at `pulumi refresh` in `undeclared` and reset at the next `pulumi up`.
 * Parameters other than pgaudit.* are never touched. Deleting it changes nothing on the server.
 */
import * as pulumi from "@pulumi/pulumi";
import type { ConnectionInput } from "../../model/connectionSpec";
import { checkedAtConstruction } from "../core/constructionCheck";
import { checkExclusiveInputs } from "./lifecycle";
import { lazyProvider } from "../core/lazyProvider";
import type { OnUnresettable, UndeclaredOverride } from "../../model/undeclared";

/** A scope the stack declares: a database, a role, or a role in a database. */
export interface DeclaredScopeArgs {
    database?: pulumi.Input<string>;
    role?: pulumi.Input<string>;
}

/** The arguments of PgAuditExclusive. */
export interface PgAuditExclusiveArgs {
    /** Where the overrides live: a URI or `{ host, port, user, password, database, sslMode, caCert }`. Kept secret in state. */
    connection: pulumi.Input<ConnectionInput>;
    /** Every scope the stack declares (each PgAuditSetting's database/role); overrides elsewhere are reset. */
    declaredScopes: pulumi.Input<pulumi.Input<DeclaredScopeArgs>[]>;
    /**
     * When an undeclared override cannot be reset by the connecting role (ALTER ROLE ALL, a
     * superuser role, a database it does not own): "fail" (default) changes nothing and says what
     * to fix; "report" resets the rest and keeps these in `undeclared`.
     */
    onUnresettable?: pulumi.Input<OnUnresettable>;
    /** How long to keep retrying a server that is still starting, in seconds. Default 60. */
    connectDeadlineSeconds?: pulumi.Input<number>;
}

/** Makes the declaration exclusive: pgaudit overrides at undeclared scopes are reported and reset. */
export class PgAuditExclusive extends pulumi.dynamic.Resource {
    /** The scopes declared, as given. */
    declare public readonly declaredScopes: pulumi.Output<{ database?: string; role?: string }[]>;
    /**
     * pgaudit overrides at undeclared scopes: after a refresh, all that were found (drift, reset by
     * the next up); after an apply, those that could not be reset (under onUnresettable "report").
     */
    declare public readonly undeclared: pulumi.Output<UndeclaredOverride[]>;

    /** Throws PgAuditInputError at once for bad input whose value is known (provider check's messages). */
    constructor(name: string, args: PgAuditExclusiveArgs, opts?: pulumi.CustomResourceOptions) {
        const inputs = checkedAtConstruction(
            `PgAuditExclusive "${name}"`,
            {
                connection: args.connection,
                declaredScopes: args.declaredScopes,
                onUnresettable: args.onUnresettable,
                connectDeadlineSeconds: args.connectDeadlineSeconds,
            },
            checkExclusiveInputs,
        );
        super(
            lazyProvider("pgAuditExclusiveProvider"),
            name,
            { ...inputs, connection: pulumi.secret(inputs.connection), undeclared: undefined },
            pulumi.mergeOptions(opts, { additionalSecretOutputs: ["connection"] }),
            "pgaudit",
            "PgAuditExclusive",
        );
    }
}
