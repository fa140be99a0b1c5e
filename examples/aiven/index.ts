/**
 * A new Aiven for PostgreSQL service with its whole audit posture declared in one place: pgaudit
 * enabled and configured on the service, audit lines shipped to a new Aiven for OpenSearch
 * service, and session audit settings per database, per role and per role in a database.
 *
 * Config (see Pulumi.yaml): project (required), cloud, pgPlan, opensearchPlan, pgVersion,
 * servicePrefix; and the Aiven token: `pulumi config set --secret aiven:apiToken <token>`.
 */
import * as aiven from "@pulumi/aiven";
import * as pulumi from "@pulumi/pulumi";
import { PgAuditLogging } from "pulumi-aiven-pgaudit";

const config = new pulumi.Config();
const project = config.require("project");
const cloudName = config.get("cloud") ?? "google-europe-west1";
// Empty (the declared default) means "derive from the stack".
const prefix = config.get("servicePrefix") || `pgaudit-${pulumi.getStack()}`;

const logging = new PgAuditLogging("audit", {
    project,
    service: {
        serviceName: `${prefix}-pg`,
        plan: config.get("pgPlan") ?? "startup-4",
        cloudName,
        // Per-database and per-role settings need PostgreSQL 15 or later on Aiven.
        pgVersion: config.get("pgVersion") ?? "17",
    },
    // Service level: what every session of every database logs unless a scope says otherwise.
    audit: { logs: ["ddl", "role"], logCatalog: false, logRelation: true },
    // Session audit of one database: also log every write to the shop data.
    databases: { shop: { log: ["write", "ddl", "role"] } },
    // The application role: everything it does, except SET and other misc commands.
    roles: { app: { log: ["all", "-misc"], logParameter: true } },
    // Reads by the reporting role, but only in the shop database.
    roleDatabases: [{ role: "reporting", database: "shop", settings: { log: ["read"] } }],
    opensearch: { serviceName: `${prefix}-os`, plan: config.get("opensearchPlan") ?? "startup-4", cloudName },
    logs: { indexPrefix: "pg-audit", indexDaysMax: 30 },
    // The database and roles named above exist only once the service does: declare them here so
    // that the settings wait for them.
    settingsDependOn: (pg) => [
        new aiven.PgDatabase("shop", { project, serviceName: pg.serviceName, databaseName: "shop" }),
        new aiven.PgUser("app", { project, serviceName: pg.serviceName, username: "app" }),
        new aiven.PgUser("reporting", { project, serviceName: pg.serviceName, username: "reporting" }),
    ],
});

export const postgresService = logging.service.serviceName;
export const opensearchService = logging.opensearch?.serviceName;
/**
 * Open OpenSearch Dashboards here, create this index pattern, then add the filter below in Discover.
 * The provider marks the whole `opensearches` block secret, so this shows as [secret]:
 * `pulumi stack output --show-secrets dashboardsUri`.
 */
export const dashboardsUri = logging.opensearch?.opensearches.apply((os) => os[0]?.opensearchDashboardsUri);
export const auditIndexPattern = logging.indexPattern;
export const auditFilter = logging.dashboardsFilter;
export const servicePgaudit = logging.pgaudit;
