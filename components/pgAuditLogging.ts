/**
 * PgAuditLogging: the whole audit posture of an Aiven for PostgreSQL service in one declaration.
 * It composes resources and writes no SQL itself: `aiven.Pg` (the service-level pgaudit block),
 * `aiven.OpenSearch` and `aiven.ServiceIntegration` (where the audit lines go), and the settings
 * of each database, role and role-in-database: one PgAuditScopes for all of them (default), or one
 * PgAuditSetting each.
 */
import * as aiven from "@pulumi/aiven";
import * as pulumi from "@pulumi/pulumi";
import type { ConnectionInput } from "../provider/core/connectionSpec";
import { PgAuditExclusive } from "../provider/exclusive/resource";
import type { OnUnresettable } from "../provider/core/undeclared";
import { PgAuditSetting } from "../provider/setting/resource";
import { PgAuditScopes } from "../provider/scopes/resource";
import { PgAuditObjectAudit } from "../provider/objectAudit/resource";
import type { PgAuditSettingsInput } from "../provider/core/schema";
import type { PgAuditConfig, PgAuditConfigInput } from "./auditConfig";
import { checkKeptServiceBaseline, planBaseline, type BaselineException, type BaselinePlan, type BaselineRecord } from "./baselineConfig";
import type { BaselineInput } from "../baselines";
import { checkConnection, serviceAdminConnection } from "./connection";
import { PgAuditLoggingError } from "./errors";
import { isPlain, whenKnown } from "./known";
import { AUDIT_DASHBOARDS_FILTER, auditIndexPattern, logsUserConfig, parseLogsConfig, type LogsConfig, type LogsConfigInput } from "./logsConfig";
import { planObjectAudit, withDatabaseRoles, withServiceRole, type ObjectAuditArgs, type ObjectAuditPlan } from "./objectAudit";
import { scopedSettingsVersionProblem } from "./pgVersion";
import { planScopes, type RoleDatabaseSettings, type Scope } from "./scopes";
import { planGroups, type GroupDatabaseSettings, type GroupScope } from "./groups";
import { checkKeptService, declareService, resolveAudit, type PgauditBlock, type PgServiceArgs, type ServiceAudit } from "./serviceConfig";

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

/** Everything checked before any resource is registered. */
interface Plan {
    readonly kept?: aiven.Pg;
    readonly declared?: { args: aiven.PgArgs; audit: pulumi.Input<ServiceAudit> };
    readonly audit: pulumi.Input<PgAuditConfig>;
    readonly logs: pulumi.Input<LogsConfig>;
    readonly scopes: Scope[];
    readonly groups: GroupScope[];
    readonly objectAudit?: ObjectAuditPlan;
    readonly baseline?: BaselinePlan;
}

const EMPTY: never[] = [];

/** The field that sets the service's major version, for messages. */
function versionField(service: PgAuditLoggingArgs["service"]): string {
    return aiven.Pg.isInstance(service) || (service as PgServiceArgs).pgVersion === undefined ? "service.pgUserConfig.pgVersion" : "service.pgVersion";
}

/** Validates every argument whose value is known now, collecting all problems into one error. */
function plan(subject: string, name: string, args: PgAuditLoggingArgs): Plan {
    const problems: string[] = [];
    const collect = <T>(step: () => T): T | undefined => {
        try {
            return step();
        } catch (err) {
            if (err instanceof PgAuditLoggingError) problems.push(...err.problems);
            else throw err;
            return undefined;
        }
    };
    if (args === null || typeof args !== "object") throw new PgAuditLoggingError(subject, ["args: pass { project, service, … }"]);
    if (args.project === undefined || args.project === null || args.project === "") {
        problems.push(`project: is required: the Aiven project that holds the service`);
    }

    const service = args.service as unknown;
    const kept = aiven.Pg.isInstance(service) ? service : undefined;
    const serviceArgs = !kept && service !== null && typeof service === "object" && !pulumi.Output.isInstance(service) ? (service as PgServiceArgs) : undefined;
    if (!kept && !serviceArgs) {
        problems.push(`service: is required: the arguments of an aiven.Pg to declare ({ plan, serviceName, … }), or an aiven.Pg you declare yourself`);
    }
    if (kept && args.serviceOptions !== undefined) {
        problems.push(`serviceOptions: applies to a service the component declares; set these options on your aiven.Pg instead`);
    }

    const objectAudit = planObjectAudit(name, args.objectAudit);
    problems.push(...objectAudit.problems);
    const oa = objectAudit.plan;
    const resolvedAudit = collect(() => {
        const resolved = resolveAudit(subject, args.audit);
        return oa?.roleScope === "service" ? withServiceRole(subject, resolved, oa.role) : resolved;
    });

    if (args.logs !== undefined && args.opensearch === undefined) {
        problems.push(`logs: configures the OpenSearch logs integration; set opensearch too (an existing { serviceName } or aiven.OpenSearch arguments)`);
    }
    const logs = collect(() => whenKnown(args.logs, (plain) => parseLogsConfig(subject, plain)));

    const target = args.opensearch as unknown;
    if (target !== undefined) {
        if (target === null || typeof target !== "object" || pulumi.Output.isInstance(target)) {
            problems.push(`opensearch: must be { serviceName } of an existing OpenSearch service, or aiven.OpenSearch arguments ({ plan, serviceName, … })`);
        } else {
            const os = target as Record<string, unknown>;
            if (os.serviceName === undefined || os.serviceName === null || os.serviceName === "") {
                problems.push(`opensearch.serviceName: is required: the name of the OpenSearch service to send the audit lines to`);
            }
            if ("project" in os) problems.push(`opensearch.project: the OpenSearch service is in project; remove opensearch.project`);
            const extra = Object.keys(os).filter((k) => k !== "serviceName" && k !== "project");
            if (!("plan" in os) && extra.length > 0) {
                problems.push(
                    `opensearch: has ${extra.join(", ")} but no plan: give plan to declare an OpenSearch service, or only serviceName to use an existing one`,
                );
            }
        }
    }

    const { scopes: declaredScopes, problems: scopeProblems } = planScopes(
        name,
        oa ? { ...args, databases: collect(() => withDatabaseRoles(subject, args.databases, oa)) } : args,
    );
    problems.push(...scopeProblems);
    const { groups, problems: groupProblems } = planGroups(args);
    problems.push(...groupProblems);
    if (groups.length > 0 && args.settingsResource === "PgAuditSetting") {
        problems.push(`groups: group scopes are held by PgAuditScopes (their members change between ups); remove settingsResource "PgAuditSetting", or declare each member in roles`);
    }
    if (args.settingsResource !== undefined && !(SETTINGS_RESOURCES as readonly unknown[]).includes(args.settingsResource)) {
        problems.push(
            `settingsResource: must be one of ${SETTINGS_RESOURCES.map((r) => `"${r}"`).join(", ")} (a plain string: it decides which resources exist)`,
        );
    }
    if (args.retainScopesOnDelete !== undefined && typeof args.retainScopesOnDelete !== "boolean") {
        problems.push(`retainScopesOnDelete: must be true or false (a plain boolean: it is a resource option)`);
    }
    // A baseline fills and checks the service-level block, and checks every per-scope setting.
    const baseline = collect(() => planBaseline(subject, args, resolvedAudit, declaredScopes, kept !== undefined));
    const audit = baseline ? baseline.audit : resolvedAudit;
    const scopes = baseline ? baseline.scopes : declaredScopes;
    collect(() => checkConnection(subject, args.connection));
    if (args.connection !== undefined && args.caCert !== undefined) {
        problems.push(`caCert: is the CA of the default connection; with connection given, put caCert inside connection instead`);
    }

    let declared: Plan["declared"];
    if (serviceArgs && audit !== undefined) {
        declared = collect(() => declareService(subject, args.project, serviceArgs, audit));
        const serviceAudit = declared?.audit;
        if ((scopes.length > 0 || groups.length > 0 || args.exclusive) && serviceAudit !== undefined && isPlain(serviceAudit)) {
            const problem = scopedSettingsVersionProblem(versionField(args.service), (serviceAudit as ServiceAudit).pgVersion);
            if (problem) problems.push(problem);
        }
    }
    if (problems.length > 0) throw new PgAuditLoggingError(subject, problems);
    return { kept, declared, audit: audit!, logs: logs ?? {}, scopes, groups, objectAudit: oa, baseline };
}

/**
 * The audit posture of one Aiven for PostgreSQL service: the service-level pgaudit config, the
 * OpenSearch integration that collects the audit lines, and the per-database and per-role
 * settings. Bad input fails at preview, naming the field and the fix.
 */
export class PgAuditLogging extends pulumi.ComponentResource {
    /** The PostgreSQL service (declared here, or the one passed in). */
    public readonly service: aiven.Pg;
    /** The OpenSearch service, when the component declares it. */
    public readonly opensearch?: aiven.OpenSearch;
    /** The `logs` integration from the service to OpenSearch, when `opensearch` is set. */
    public readonly opensearchIntegration?: aiven.ServiceIntegration;
    /** With settingsResource "PgAuditSetting": the PgAuditSetting resources, by scope (empty otherwise). */
    public readonly settings: PgAuditLoggingSettings;
    /** With settingsResource "PgAuditScopes" (default): the one resource holding every per-scope setting. */
    public readonly scopes?: PgAuditScopes;
    /** With `objectAudit`: the PgAuditObjectAudit resources, by database name. */
    public readonly objectAudit: Readonly<Record<string, PgAuditObjectAudit>>;
    /** With `exclusive: true`: the resource that resets undeclared pgaudit overrides. */
    public readonly exclusive?: PgAuditExclusive;
    /** The service-level pgaudit block in force (checked against the service when you keep it). */
    public readonly pgaudit: pulumi.Output<PgauditBlock>;
    /** The OpenSearch index pattern holding the audit records (`<indexPrefix>-*`), when `opensearch` is set. */
    public readonly indexPattern?: pulumi.Output<string>;
    /** The OpenSearch Dashboards filter that shows only PostgreSQL audit records, when `opensearch` is set. */
    public readonly dashboardsFilter?: pulumi.Output<string>;
    /** With `baseline`: the baseline checked, its rules and sources, and every exception with its reason. */
    public readonly baseline?: pulumi.Output<BaselineRecord>;

    constructor(name: string, args: PgAuditLoggingArgs, opts?: pulumi.ComponentResourceOptions) {
        const subject = `PgAuditLogging "${name}"`;
        // Validate before registering anything, so bad input leaves nothing half-declared.
        const p = plan(subject, name, args);
        super("aiven-pgaudit:index:PgAuditLogging", name, {}, opts);

        this.service = p.kept ?? new aiven.Pg(`${name}-pg`, p.declared!.args, pulumi.mergeOptions(args.serviceOptions, { parent: this }));

        const serviceAudit: pulumi.Output<ServiceAudit> = p.kept
            ? pulumi
                  .all([p.kept.pgUserConfig, p.audit])
                  .apply(([config, audit]) => checkKeptServiceBaseline(subject, p.baseline, checkKeptService(subject, config, audit as PgAuditConfig)))
            : (pulumi.output(p.declared!.audit as pulumi.Input<ServiceAudit>) as pulumi.Output<ServiceAudit>);
        this.pgaudit = serviceAudit.apply((a) => a.pgaudit);
        this.baseline = p.baseline?.record;

        if (args.opensearch !== undefined) {
            const target = args.opensearch;
            let destination: pulumi.Input<string>;
            if ("plan" in target) {
                this.opensearch = new aiven.OpenSearch(`${name}-opensearch`, { ...target, project: args.project }, { parent: this });
                destination = this.opensearch.serviceName;
            } else {
                destination = target.serviceName;
            }
            const userConfig = whenKnown(p.logs, (plain) => logsUserConfig(plain as LogsConfig));
            this.opensearchIntegration = new aiven.ServiceIntegration(
                `${name}-logs`,
                {
                    project: args.project,
                    integrationType: "logs",
                    sourceServiceName: this.service.serviceName,
                    destinationServiceName: destination,
                    // An Output resolving to undefined means "no user config", as a plain undefined does.
                    logsUserConfig: userConfig as pulumi.Input<aiven.types.input.ServiceIntegrationLogsUserConfig>,
                },
                { parent: this },
            );
            this.indexPattern = pulumi.output(p.logs).apply((logs) => auditIndexPattern(logs as LogsConfig));
            this.dashboardsFilter = pulumi.output(AUDIT_DASHBOARDS_FILTER);
        }

        const extra = typeof args.settingsDependOn === "function" ? args.settingsDependOn(this.service) : (args.settingsDependOn ?? EMPTY);
        const connection = p.scopes.length > 0 || p.groups.length > 0 || args.exclusive || p.objectAudit ? this.scopeConnection(subject, args, serviceAudit) : undefined;
        const perScope = args.settingsResource === "PgAuditSetting";
        this.settings = this.declareScopes(args, perScope ? p.scopes : [], connection, extra);
        this.objectAudit = this.declareObjectAudit(p.objectAudit, connection, extra);
        if (!perScope && connection && (p.scopes.length > 0 || p.groups.length > 0 || args.exclusive)) {
            this.scopes = new PgAuditScopes(
                `${name}-scopes`,
                {
                    connection,
                    scopes: p.scopes.map((s) => ({ database: s.database, role: s.role, settings: s.settings })),
                    ...(p.groups.length > 0 ? { groups: p.groups.map((g) => ({ group: g.group, database: g.database, settings: g.settings })) } : {}),
                    adopt: args.adopt,
                    exclusive: args.exclusive,
                    onUnresettable: args.onUnresettable,
                },
                // The service first: its pgaudit block grants avnadmin the right to set pgaudit.*.
                { parent: this, dependsOn: [this.service, ...extra], retainOnDelete: args.retainScopesOnDelete },
            );
        }
        if (args.exclusive && perScope) {
            const declared = [...Object.values(this.settings.databases), ...Object.values(this.settings.roles)];
            for (const byDb of Object.values(this.settings.roleDatabases)) declared.push(...Object.values(byDb));
            this.exclusive = new PgAuditExclusive(
                `${name}-exclusive`,
                {
                    connection: connection!,
                    declaredScopes: p.scopes.map((s) => ({ database: s.database, role: s.role })),
                    onUnresettable: args.onUnresettable,
                },
                // After the declared settings, so that a scope moving into the declaration is never reset in between.
                { parent: this, dependsOn: [this.service, ...extra, ...declared] },
            );
        }

        this.registerOutputs({
            service: this.service,
            opensearch: this.opensearch,
            opensearchIntegration: this.opensearchIntegration,
            settings: this.settings,
            scopes: this.scopes,
            exclusive: this.exclusive,
            objectAudit: this.objectAudit,
            pgaudit: this.pgaudit,
            indexPattern: this.indexPattern,
            dashboardsFilter: this.dashboardsFilter,
            baseline: this.baseline,
        });
    }

    /**
     * The connection for per-scope resources: secret, and only once the service's checks pass (a
     * version unknown at preview, a kept service's pgaudit block, are only known then).
     */
    private scopeConnection(subject: string, args: PgAuditLoggingArgs, serviceAudit: pulumi.Output<ServiceAudit>): pulumi.Output<ConnectionInput> {
        const field = versionField(args.service);
        const ready = serviceAudit.apply((audit) => {
            const problem = scopedSettingsVersionProblem(field, audit.pgVersion);
            if (problem) throw new PgAuditLoggingError(subject, [problem]);
            if (audit.pgaudit.featureEnabled === false) {
                pulumi.log.warn(`audit.featureEnabled is false: pgaudit is uninstalled, so the per-scope settings are kept but audit nothing`, this);
            }
            return true;
        });
        const base = args.connection ?? serviceAdminConnection(this.service, this, args.caCert);
        return pulumi.secret(pulumi.all([base, ready]).apply(([c]) => c as ConnectionInput));
    }

    private declareObjectAudit(
        plan: ObjectAuditPlan | undefined,
        connection: pulumi.Output<ConnectionInput> | undefined,
        extra: pulumi.Input<pulumi.Resource>[],
    ): Record<string, PgAuditObjectAudit> {
        const byDatabase: Record<string, PgAuditObjectAudit> = {};
        if (!plan || !connection) return byDatabase;
        for (const { database, objects, childName } of plan.databases) {
            const setting = this.settings.databases[database];
            byDatabase[database] = new PgAuditObjectAudit(
                childName,
                { connection, database, auditRole: plan.role, createRole: plan.createRole, objects },
                // The tables come from settingsDependOn; the database's pgaudit.role setting, when it is set there, first.
                { parent: this, dependsOn: [this.service, ...extra, ...(setting ? [setting] : [])] },
            );
        }
        return byDatabase;
    }

    private declareScopes(
        args: PgAuditLoggingArgs,
        scopes: Scope[],
        connection: pulumi.Output<ConnectionInput> | undefined,
        extra: pulumi.Input<pulumi.Resource>[],
    ): PgAuditLoggingSettings {
        const settings = {
            databases: {} as Record<string, PgAuditSetting>,
            roles: {} as Record<string, PgAuditSetting>,
            roleDatabases: {} as Record<string, Record<string, PgAuditSetting>>,
        };
        if (!connection) return settings;

        for (const scope of scopes) {
            const setting = new PgAuditSetting(
                scope.childName,
                { connection, database: scope.database, role: scope.role, settings: scope.settings, adopt: args.adopt },
                // The service first: its pgaudit block grants avnadmin the right to set pgaudit.*.
                { parent: this, dependsOn: [this.service, ...extra], retainOnDelete: args.retainScopesOnDelete },
            );
            if (scope.kind === "database") settings.databases[scope.database!] = setting;
            else if (scope.kind === "role") settings.roles[scope.role!] = setting;
            else (settings.roleDatabases[scope.role!] ??= {})[scope.database!] = setting;
        }
        return settings;
    }
}
