/**
 * Errors a user can act on. Each carries the SQLSTATE the server gave (when it gave one) and a
 * sentence that says what to change, above all for Aiven's permission model, where the
 * connecting role (avnadmin) is not a superuser.
 */
import * as pulumi from "@pulumi/pulumi";

/**
 * Bad input to a resource or component of this package, found before anything reached a server.
 * A RunError, so the Pulumi CLI prints the message alone and the preview fails. Messages name
 * fields and fixes, never values of `connection`.
 */
export class PgAuditInputError extends pulumi.RunError {
    /** Each problem found: `<field>: <what is wrong and how to fix it>`. */
    readonly problems: readonly string[];

    constructor(subject: string, problems: readonly string[]) {
        super(`${subject}: ${problems.join("; ")}`);
        this.name = "PgAuditInputError";
        this.problems = problems;
    }
}

/** An error a user can act on, found by a resource of this package, with the server's SQLSTATE when it gave one. */
export class PgAuditSettingError extends Error {
    /** The server's SQLSTATE (e.g. 42501), or undefined for errors found before reaching it. */
    readonly sqlState?: string;

    constructor(message: string, sqlState?: string) {
        super(sqlState ? `${message} [SQLSTATE ${sqlState}]` : message);
        this.name = "PgAuditSettingError";
        this.sqlState = sqlState;
    }
}
