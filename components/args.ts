/**
 * What PgAuditLogging takes: its arguments, with the doc comments users read in their editor, and
 * the shapes of what it exposes.
 */
import * as aiven from "@pulumi/aiven";
import * as pulumi from "@pulumi/pulumi";
import type { ConnectionInput } from "../model/connectionSpec";
import type { OnUnresettable } from "../model/undeclared";
import { PgAuditSetting } from "../provider/setting/resource";
import type { PgAuditSettingsInput } from "../model/settingsSchema";
import type { PgAuditConfigInput } from "../model/serviceAudit";
import type { BaselineException } from "../baselines/exception";
import type { BaselineInput } from "../baselines";
import { type LogsConfigInput } from "./logsConfig";
import { type ObjectAuditArgs } from "./objectAudit";
import { type RoleDatabaseSettings } from "./scopes";
import type { GroupDatabaseSettings } from "./groups";
import { type PgServiceArgs } from "./serviceConfig";

/** An existing Aiven for OpenSearch service, by name, in the same project. */
export interface ExistingOpenSearch {
    /** The OpenSearch service's name. */
    serviceName: pulumi.Input<string>;
}

/** The arguments of an `aiven.OpenSearch` for PgAuditLogging to declare (its project comes from `project`). */
export type OpenSearchServiceArgs = Omit<aiven.OpenSearchArgs, "project">;

/** The arguments of PgAuditLogging: the service, its audit configuration and its per-scope settings. */
export interface PgAuditLoggingArgs {
    /** The Aiven project that holds the PostgreSQL service and the OpenSearch service. */
    project: pulumi.Input<string>;
    /**
     * The PostgreSQL service. Either the arguments of an `aiven.Pg` to declare (everything
     * `aiven.PgArgs` takes but `project`, plus the `pgVersion` shorthand): the component merges
     * `audit` into `pgUserConfig.pgaudit` and fails if that block already says otherwise. Or an
     * `aiven.Pg` you declare yourself: spread `pgAuditUserConfig(audit)` into its `pgUserConfig`;
     * the component checks that pgaudit is enabled there. Not an Input: it decides which
     * resources exist.
     */
    service: PgServiceArgs | aiven.Pg;
    /**
     * Resource options for the `aiven.Pg` the component declares, e.g. `{ import: "PROJECT/SERVICE" }`
     * to adopt a service that already exists, or `{ protect: true }`. Only with service arguments.
     */
    serviceOptions?: Omit<pulumi.CustomResourceOptions, "parent">;
    /**
     * The service-level pgaudit settings (`pgUserConfig.pgaudit`): `featureEnabled` (default true
     * here), `logs` (lowercase classes; Aiven has no `none` and no `-class`), `logCatalog`,
     * `logClient`, `logLevel`, `logMaxStringLength`, `logNestedStatements`, `logParameter`,
     * `logParameterMaxSize`, `logRelation`, `logRows`, `logStatement`, `logStatementOnce`, `role`.
     */
    audit?: pulumi.Input<PgAuditConfigInput>;
    /**
     * Settings per database, by database name: `{ shop: { log: ["write", "ddl"] } }`. `log` takes
     * pgaudit's full syntax, `-class` exclusions included. Needs PostgreSQL 15+. Keys are plain
     * strings: they name the child resources.
     */
    databases?: Record<string, pulumi.Input<PgAuditSettingsInput>>;
    /** Settings per role, by role name: `{ app: { log: ["all", "-misc"] } }`. Needs PostgreSQL 15+. */
    roles?: Record<string, pulumi.Input<PgAuditSettingsInput>>;
    /** Settings of a role in one database: `[{ role: "app", database: "shop", settings: { log: ["read"] } }]`. Needs PostgreSQL 15+. */
    roleDatabases?: RoleDatabaseSettings[];
    /**
     * Settings for every login member of a group role, by group name: `{ analysts: { log: ["read", "write"] } }`.
     * Members are found at each refresh (`pulumi up --refresh`) and apply, directly or through other roles; a member
     * declared in `roles` keeps its own; one in two groups gets the union of their classes. Needs
     * the default settingsResource "PgAuditScopes". See docs/groups.md.
     */
    groups?: Record<string, pulumi.Input<PgAuditSettingsInput>>;
    /** Settings for every login member of a group in one database: `[{ group: "analysts", database: "shop", settings: { log: ["read"] } }]`. */
    groupDatabases?: GroupDatabaseSettings[];
    /**
     * Where the audit lines go: `{ serviceName }` of an existing Aiven for OpenSearch service in
     * `project`, or the arguments of an `aiven.OpenSearch` to declare. Without it, audit lines stay
     * in the service's own log (a few days in the Aiven console).
     */
    opensearch?: ExistingOpenSearch | OpenSearchServiceArgs;
    /** The `logs` integration's settings: `indexDaysMax` (1–10000, default 3), `indexPrefix` (default "logs"), `selectedLogFields` (≤5). */
    logs?: pulumi.Input<LogsConfigInput>;
    /**
     * How to reach PostgreSQL to write the per-scope settings. Default: avnadmin on the service's
     * `defaultdb`, TLS verified against the project CA. Kept secret.
     */
    connection?: pulumi.Input<ConnectionInput>;
    /**
     * The Aiven project's CA certificate (PEM), for the default connection's `verify-full`: the
     * console's "CA certificate", `avn project ca-get`, or a stack config value. Given, the
     * component never calls aiven.getProject (which sleeps 10 s in the provider at every
     * `pulumi up`); without it, getProject is called at up only, never at preview.
     */
    caCert?: pulumi.Input<string>;
    /** Take over per-scope settings that already exist on the server instead of failing (see PgAuditSetting). */
    adopt?: pulumi.Input<boolean>;
    /**
     * What the per-scope settings wait for besides the service: the `aiven.PgDatabase` and
     * `aiven.PgUser` they name. With a service the component declares, pass a function: it gets
     * the service, declares those resources and returns them (they cannot exist before it).
     */
    settingsDependOn?: pulumi.Input<pulumi.Resource>[] | ((service: aiven.Pg) => pulumi.Input<pulumi.Resource>[]);
    /**
     * Make this declaration the only source of pgaudit overrides on the service: overrides at
     * database, role or role-in-database scopes not declared here (say a hand-typed
     * `ALTER ROLE app SET pgaudit.log = 'none'`) show as drift at `pulumi refresh` and are reset
     * by `pulumi up`. Settings that are not pgaudit.* are never touched. Default false.
     */
    exclusive?: boolean;
    /**
     * With `exclusive`, what to do with an undeclared override avnadmin cannot reset (a superuser
     * role, a database it does not own, ALTER ROLE ALL): "fail" (default) changes nothing and says
     * what to fix; "report" resets the rest and lists these in `exclusive.undeclared`.
     */
    onUnresettable?: pulumi.Input<OnUnresettable>;
    /**
     * Which resource holds the per-scope settings. "PgAuditScopes" (default): one resource for all
     * of them, applied all or nothing in one transaction, one step for the engine whatever their
     * number. "PgAuditSetting": one resource per scope, named from its scope. Not an Input: it
     * decides which resources exist. To change it on a deployed stack, first run one `pulumi up`
     * with `retainScopesOnDelete: true` (see the README, "Switching shapes").
     */
    settingsResource?: SettingsResource;
    /**
     * Mark the resources that hold the per-scope settings `retainOnDelete`, so that removing them
     * from the program leaves the server's settings in place instead of resetting them. Set it for
     * one `pulumi up` before changing `settingsResource`, then remove it in the `pulumi up` that
     * changes it; the new resources take the settings over. Default false.
     */
    retainScopesOnDelete?: boolean;
    /**
     * Object audit logging: every read or change of the listed tables (or columns) is logged for
     * every user, whatever their `pgaudit.log`. `{ role: "auditor", databases: { shop: [{ table:
     * "public.cards", privileges: ["select"], columns: ["pan"] }] } }` sets `pgaudit.role` (through
     * `audit.role`, or per database with `roleScope: "databases"`) and declares one
     * PgAuditObjectAudit per database that grants exactly those privileges to the audit role.
     */
    objectAudit?: ObjectAuditArgs;
    /**
     * A compliance baseline: "stig" (Crunchy Data PostgreSQL STIG), "cis" (CIS PostgreSQL
     * Benchmark 3.2), or your own (defineBaseline). It fills `audit` with what it requires; an
     * `audit`, a kept service or a per-scope setting weaker than it fails, naming the rule. The
     * `baseline` output records it. Not an Input: it decides what is checked at construction.
     */
    baseline?: string | BaselineInput;
    /**
     * Scopes allowed to be weaker than `baseline`, each with its reason:
     * `[{ role: "app", reason: "batch role, audited by object logging" }]`. Each must name a scope
     * of databases, roles or roleDatabases that the baseline would refuse; all are recorded in the
     * `baseline` output for auditors.
     */
    exceptions?: BaselineException[];
}

/** The two shapes of the per-scope settings. */
export const SETTINGS_RESOURCES = ["PgAuditScopes", "PgAuditSetting"] as const;
/** Which resource holds the per-scope settings: one PgAuditScopes, or one PgAuditSetting per scope. */
export type SettingsResource = (typeof SETTINGS_RESOURCES)[number];

/** The PgAuditSetting resources, by scope. */
export interface PgAuditLoggingSettings {
    /** By database name. */
    readonly databases: Readonly<Record<string, PgAuditSetting>>;
    /** By role name. */
    readonly roles: Readonly<Record<string, PgAuditSetting>>;
    /** By role name, then database name. */
    readonly roleDatabases: Readonly<Record<string, Readonly<Record<string, PgAuditSetting>>>>;
}
