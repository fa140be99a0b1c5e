/**
 * PgAuditLogging's arguments checked before any resource is registered: every problem of every
 * field whose value is known now, in one PgAuditInputError.
 */
import * as aiven from "@pulumi/aiven";
import * as pulumi from "@pulumi/pulumi";
import type { PgAuditConfig } from "../model/serviceAudit";
import { checkBaselineArgs, type CheckedBaseline } from "./baselineConfig";
import { checkConnection } from "./connection";
import { PgAuditInputError } from "../model/errors";
import { isPlain, whenKnown } from "../model/known";
import { parseLogsConfig, type LogsConfig } from "./logsConfig";
import { checkObjectAuditArgs, withDatabaseRoles, withServiceRole, type CheckedObjectAudit } from "./objectAudit";
import { scopedSettingsVersionProblem } from "../model/pgVersion";
import { scopeDeclarations, type ScopeDeclaration } from "./scopes";
import { planGroups, type GroupDeclaration } from "./groups";
import { declareService, resolveAudit, type PgServiceArgs, type ServiceAudit } from "./serviceConfig";

import { SETTINGS_RESOURCES, type PgAuditLoggingArgs } from "./args";

/** Everything checked before any resource is registered. */
export interface CheckedArgs {
    readonly kept?: aiven.Pg;
    readonly declared?: { args: aiven.PgArgs; audit: pulumi.Input<ServiceAudit> };
    readonly audit: pulumi.Input<PgAuditConfig>;
    readonly logs: pulumi.Input<LogsConfig>;
    readonly scopes: ScopeDeclaration[];
    readonly groups: GroupDeclaration[];
    readonly objectAudit?: CheckedObjectAudit;
    readonly baseline?: CheckedBaseline;
}

/** The field that sets the service's major version, for messages. */
export function versionField(service: PgAuditLoggingArgs["service"]): string {
    return aiven.Pg.isInstance(service) || service.pgVersion === undefined ? "service.pgUserConfig.pgVersion" : "service.pgVersion";
}

/** Validates every argument whose value is known now, collecting all problems into one error. */
export function checkArgs(subject: string, name: string, args: PgAuditLoggingArgs): CheckedArgs {
    const problems: string[] = [];
    const collect = <T>(step: () => T): T | undefined => {
        try {
            return step();
        } catch (err) {
            if (err instanceof PgAuditInputError) problems.push(...err.problems);
            else throw err;
            return undefined;
        }
    };
    if (args === null || typeof args !== "object") throw new PgAuditInputError(subject, ["args: pass { project, service, … }"]);
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

    const objectAudit = checkObjectAuditArgs(name, args.objectAudit);
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

    const { scopes: declaredScopes, problems: scopeProblems } = scopeDeclarations(
        name,
        oa ? { ...args, databases: collect(() => withDatabaseRoles(subject, args.databases, oa)) } : args,
    );
    problems.push(...scopeProblems);
    const { groups: declaredGroups, problems: groupProblems } = planGroups(args);
    problems.push(...groupProblems);
    if (declaredGroups.length > 0 && args.settingsResource === "PgAuditSetting") {
        problems.push(
            `groups: group scopes are held by PgAuditScopes (their members change between ups); remove settingsResource "PgAuditSetting", or declare each member in roles`,
        );
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
    const baseline = collect(() => checkBaselineArgs(subject, args, resolvedAudit, declaredScopes, declaredGroups, kept !== undefined));
    const audit = baseline ? baseline.audit : resolvedAudit;
    const scopes = baseline ? baseline.scopes : declaredScopes;
    const groups = baseline ? baseline.groups : declaredGroups;
    collect(() => checkConnection(subject, args.connection));
    if (args.connection !== undefined && args.caCert !== undefined) {
        problems.push(`caCert: is the CA of the default connection; with connection given, put caCert inside connection instead`);
    }

    let declared: CheckedArgs["declared"];
    if (serviceArgs && audit !== undefined) {
        declared = collect(() => declareService(subject, args.project, serviceArgs, audit));
        const serviceAudit = declared?.audit;
        if ((scopes.length > 0 || groups.length > 0 || args.exclusive) && serviceAudit !== undefined && isPlain(serviceAudit)) {
            const problem = scopedSettingsVersionProblem(versionField(args.service), (serviceAudit as ServiceAudit).pgVersion);
            if (problem) problems.push(problem);
        }
    }
    if (problems.length > 0) throw new PgAuditInputError(subject, problems);
    return { kept, declared, audit: audit!, logs: logs ?? {}, scopes, groups, objectAudit: oa, baseline };
}
