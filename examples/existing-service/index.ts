/**
 * Audit logging for an Aiven for PostgreSQL service this stack already declares: the service keeps
 * its own `aiven.Pg` resource and takes the pgaudit block from `pgAuditUserConfig(audit)`;
 * PgAuditLogging checks that block, adds the per-scope settings and, when an OpenSearch service is
 * configured, the logs integration to it.
 *
 * Config (see Pulumi.yaml): project and serviceName (required), cloud, pgPlan, pgVersion,
 * opensearchService; and the Aiven token: `pulumi config set --secret aiven:apiToken <token>`.
 * To bring a service created elsewhere under this stack first, import it:
 * `pulumi import aiven:index/pg:Pg pg PROJECT/SERVICE_NAME`.
 */
import * as aiven from "@pulumi/aiven";
import * as pulumi from "@pulumi/pulumi";
import { PgAuditLogging, pgAuditUserConfig, type PgAuditConfigInput } from "pulumi-aiven-pgaudit";

const config = new pulumi.Config();
const project = config.require("project");
// Empty (the declared default) means no OpenSearch.
const opensearchService = config.get("opensearchService") || undefined;

// One declaration of the service-level settings, given to both the service and the component.
const audit: PgAuditConfigInput = { logs: ["ddl", "role"], logCatalog: false };

const pg = new aiven.Pg("pg", {
    project,
    serviceName: config.require("serviceName"),
    plan: config.get("pgPlan") ?? "startup-4",
    cloudName: config.get("cloud") ?? "google-europe-west1",
    pgUserConfig: { pgVersion: config.get("pgVersion") ?? "17", ...pgAuditUserConfig(audit) },
});

const shop = new aiven.PgDatabase("shop", { project, serviceName: pg.serviceName, databaseName: "shop" });
const app = new aiven.PgUser("app", { project, serviceName: pg.serviceName, username: "app" });

const logging = new PgAuditLogging("audit", {
    project,
    service: pg,
    audit,
    databases: { shop: { log: ["write", "ddl"] } },
    roles: { app: { log: ["all", "-misc"] } },
    roleDatabases: [{ role: "app", database: "shop", settings: { log: ["read", "write"], logRows: true } }],
    // Without an OpenSearch service, the audit lines stay in the service's own log.
    ...(opensearchService ? { opensearch: { serviceName: opensearchService }, logs: { indexPrefix: "pg-audit" } } : {}),
    settingsDependOn: [shop, app],
});

export const auditIndexPattern = logging.indexPattern;
export const auditFilter = logging.dashboardsFilter;
export const servicePgaudit = logging.pgaudit;
