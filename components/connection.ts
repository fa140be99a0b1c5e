/**
 * Where the per-scope settings are written from: by default the service's own admin connection,
 * TLS verified against the project CA. Always secret: it carries avnadmin's password.
 */
import * as aiven from "@pulumi/aiven";
import * as pulumi from "@pulumi/pulumi";
import { connectionSchema, type ConnectionInput } from "../provider/core/connectionSpec";
import { describeIssues, PgAuditLoggingError } from "./errors";
import { isPlain } from "./known";

/**
 * avnadmin on the service's `defaultdb` (every Aiven service has both); settings of the other
 * databases are reached from there. `verify-full` because the project CA signs the service's
 * certificate for its host name.
 */
export function serviceAdminConnection(service: aiven.Pg, parent: pulumi.Resource): pulumi.Output<ConnectionInput> {
    const ca = aiven.getProjectOutput({ project: service.project }, { parent });
    return pulumi.secret(
        pulumi.output({
            host: service.serviceHost,
            port: service.servicePort,
            user: service.serviceUsername,
            password: service.servicePassword,
            database: "defaultdb",
            sslMode: "verify-full",
            caCert: ca.caCert,
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
        throw new PgAuditLoggingError(
            subject,
            describeIssues(result.error, "connection", { known: ["host", "port", "user", "password", "database", "sslMode", "caCert"] }),
        );
    }
}
