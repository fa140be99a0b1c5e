/**
 * PgAuditLogging: the whole audit posture of an Aiven for PostgreSQL service in one declaration.
 * It composes resources and writes no SQL itself: `aiven.Pg` (the service-level pgaudit block),
 * `aiven.OpenSearch` and `aiven.ServiceIntegration` (where the audit lines go), and the settings
 * of each database, role and role-in-database: one PgAuditScopes for all of them (default), or one
 * PgAuditSetting each.
 */
import * as aiven from "@pulumi/aiven";
import * as pulumi from "@pulumi/pulumi";
import type { ConnectionInput } from "../model/connectionSpec";
import { PgAuditExclusive } from "../provider/exclusive/resource";
import { PgAuditSetting } from "../provider/setting/resource";
import { PgAuditScopes } from "../provider/scopes/resource";
import { PgAuditObjectAudit } from "../provider/objectAudit/resource";
import type { PgAuditConfig } from "../model/serviceAudit";
import { checkKeptServiceBaseline, type BaselineRecord } from "./baselineConfig";
import { serviceAdminConnection } from "./connection";
import { PgAuditInputError } from "../model/errors";
import { whenKnown } from "../model/known";
import { AUDIT_DASHBOARDS_FILTER, auditIndexPattern, logsUserConfig, type LogsConfig } from "./logsConfig";
import { type CheckedObjectAudit } from "./objectAudit";
import { scopedSettingsVersionProblem } from "../model/pgVersion";
import { type ScopeDeclaration } from "./scopes";
import { checkKeptService, type PgauditBlock, type ServiceAudit } from "./serviceConfig";

import type { PgAuditLoggingArgs, PgAuditLoggingSettings } from "./args";
import { checkArgs, versionField } from "./checkArgs";

const EMPTY: never[] = [];

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
        const p = checkArgs(subject, name, args);
        super("aiven-pgaudit:index:PgAuditLogging", name, {}, opts);

        this.service = p.kept ?? new aiven.Pg(`${name}-pg`, p.declared!.args, pulumi.mergeOptions(args.serviceOptions, { parent: this }));

        const serviceAudit: pulumi.Output<ServiceAudit> = p.kept
            ? pulumi
                  .all([p.kept.pgUserConfig, p.audit])
                  .apply(([config, audit]) => checkKeptServiceBaseline(subject, p.baseline, checkKeptService(subject, config, audit as PgAuditConfig)))
            : pulumi.output(p.declared!.audit);
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
        const connection =
            p.scopes.length > 0 || p.groups.length > 0 || args.exclusive || p.objectAudit ? this.scopeConnection(subject, args, serviceAudit) : undefined;
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
            if (problem) throw new PgAuditInputError(subject, [problem]);
            if (audit.pgaudit.featureEnabled === false) {
                void pulumi.log.warn(`audit.featureEnabled is false: pgaudit is uninstalled, so the per-scope settings are kept but audit nothing`, this);
            }
            return true;
        });
        const base = args.connection ?? serviceAdminConnection(this.service, this, args.caCert);
        return pulumi.secret(pulumi.all([base, ready]).apply(([c]) => c as ConnectionInput));
    }

    private declareObjectAudit(
        plan: CheckedObjectAudit | undefined,
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
        scopes: ScopeDeclaration[],
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
