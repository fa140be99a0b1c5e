/**
 * Where the per-scope settings are written from: by default the service's own admin connection,
 * TLS verified against the project CA. Always secret: it carries avnadmin's password.
 */
import * as aiven from "@pulumi/aiven";
import * as pulumi from "@pulumi/pulumi";
import { connectionSchema, PROJECT_CA_AT_UP, type ConnectionInput } from "../model/connectionSpec";
import { PgAuditInputError } from "../model/errors";
import { describeIssues } from "../model/inputFailures";
import { isPlain } from "../model/known";

/**
 * avnadmin on the service's `defaultdb` (every Aiven service has both); settings of the other
 * databases are reached from there. `verify-full` because the project CA signs the service's
 * certificate for its host name. The CA: `caCert` when given; else aiven.getProject, but only
 * when the program really deploys. getProject sleeps 10 s in the Aiven provider (6.51.0), and a
 * preview never connects, so a preview passes PROJECT_CA_AT_UP, which the resources' diffs take
 * as "the CA in state" (so an unchanged stack previews unchanged) and a session refuses.
 */
export function serviceAdminConnection(service: aiven.Pg, parent: pulumi.Resource, caCert?: pulumi.Input<string>): pulumi.Output<ConnectionInput> {
    const ca = caCert ?? (pulumi.runtime.isDryRun() ? PROJECT_CA_AT_UP : aiven.getProjectOutput({ project: service.project }, { parent }).caCert);
    return pulumi.secret(
        pulumi.output({
            host: service.serviceHost,
            port: service.servicePort,
            user: service.serviceUsername,
            password: service.servicePassword,
            database: "defaultdb",
            sslMode: "verify-full",
            caCert: ca,
        }),
    );
}

/**
 * Checks a connection the user gave when it is a plain value. The messages come from the
 * provider's schema, which names the field and never repeats the value (a URI holds a password).
 */
export function checkConnection(subject: string, connection: unknown): void {
    if (connection === undefined || !isPlain(connection)) return;
    const result = connectionSchema.safeParse(connection);
    if (!result.success) {
        throw new PgAuditInputError(
            subject,
            describeIssues(result.error, "connection", { known: ["host", "port", "user", "password", "database", "sslMode", "caCert"] }),
        );
    }
}
