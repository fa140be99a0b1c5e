/**
 * PgAuditLogging's object audit: the audit role `pgaudit.role` names, where that setting is made
 * (the service's `audit.role`, or each database's settings), and one PgAuditObjectAudit per
 * database, named from the database. Checked here, before anything is registered.
 */
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { objectEntrySchema, type ObjectEntryInput } from "../provider/objectAudit/schema";
import { pgNameSchema, type PgAuditSettingsInput } from "../model/settingsSchema";
import { pgAuditConfigSchema, type PgAuditConfig } from "../model/serviceAudit";
import { PgAuditInputError } from "../model/errors";
import { describeIssues } from "../model/inputFailures";
import { isPlain, whenKnown } from "../model/known";
import { encodeNamePart } from "../model/scope";

/** Where `pgaudit.role` is set: server-wide through Aiven's `audit.role`, or per database (ALTER DATABASE … SET pgaudit.role). */
const OBJECT_AUDIT_ROLE_SCOPES = ["service", "databases"] as const;
/** Where pgaudit.role is set: server-wide through audit.role, or per database. */
export type ObjectAuditRoleScope = (typeof OBJECT_AUDIT_ROLE_SCOPES)[number];

/** PgAuditLogging's objectAudit: the audit role and, per database, the objects it audits. */
export interface ObjectAuditArgs {
    /**
     * The audit role: what `pgaudit.role` names. Under `roleScope: "service"` it must also pass
     * Aiven's rule for `pgaudit.role` (letters, digits, `.`, `_`, `-`, not starting with `.` or `-`)
     * and PostgreSQL's 63-byte name limit. A plain string: it is validated now.
     */
    role: string;
    /**
     * "service" (default): set `audit.role` (Aiven's `pgUserConfig.pgaudit.role`, every database).
     * "databases": set `role` in the per-database settings of each database listed (needs
     * PostgreSQL 15+), leaving other databases without object audit.
     */
    roleScope?: ObjectAuditRoleScope;
    /** Create the audit role (NOLOGIN) where it is missing. Default true. */
    createRole?: boolean;
    /**
     * What is audited, by database name: `{ shop: [{ table: "public.cards", privileges: ["select"],
     * columns: ["pan"] }, { table: "public.cards", privileges: ["update"] }] }`. The tables must
     * exist and be owned by the connecting role (avnadmin), or it must hold a grant option on them:
     * pass what creates them in `settingsDependOn`.
     */
    databases: Record<string, pulumi.Input<pulumi.Input<ObjectEntryInput>[]>>;
}

/** One PgAuditObjectAudit to declare. */
interface ObjectAuditDatabase {
    readonly database: string;
    readonly objects: pulumi.Input<pulumi.Input<ObjectEntryInput>[]>;
    readonly childName: string;
}

export interface CheckedObjectAudit {
    readonly role: string;
    readonly roleScope: ObjectAuditRoleScope;
    readonly createRole: boolean;
    readonly databases: ObjectAuditDatabase[];
}

const ENTRY_KEYS = { known: ["table", "privileges", "columns"] };

const issues = (field: string, result: { success: boolean; error?: z.ZodError }) =>
    result.success ? [] : result.error!.issues.map((i) => `${field}: ${i.message}`);

/** Validates `objectAudit`, collecting every problem; undefined when it is not set. */
export function checkObjectAuditArgs(component: string, value: unknown): { plan?: CheckedObjectAudit; problems: string[] } {
    if (value === undefined) return { problems: [] };
    if (value === null || typeof value !== "object" || pulumi.Output.isInstance(value)) {
        return { problems: [`objectAudit: must be a plain object { role, databases: { shop: [ { table, privileges, columns? } ] } }`] };
    }
    const args = value as Partial<ObjectAuditArgs> & Record<string, unknown>;
    const problems: string[] = [];
    for (const key of Object.keys(args)) {
        if (!["role", "roleScope", "createRole", "databases"].includes(key)) {
            problems.push(`objectAudit.${key}: is not a known setting; expected one of role, roleScope, createRole, databases`);
        }
    }
    const roleScope = args.roleScope ?? "service";
    if (!(OBJECT_AUDIT_ROLE_SCOPES as readonly unknown[]).includes(roleScope)) {
        problems.push(`objectAudit.roleScope: must be one of ${OBJECT_AUDIT_ROLE_SCOPES.join(", ")}`);
    }
    if (typeof args.role !== "string") {
        problems.push(`objectAudit.role: is required: the audit role pgaudit.role names, as a plain string, e.g. "auditor"`);
    } else {
        // Aiven's rule applies where the role reaches Aiven's config; per database only PostgreSQL's.
        const schema = roleScope === "service" ? pgAuditConfigSchema.shape.role : pgNameSchema;
        problems.push(...issues("objectAudit.role", schema.safeParse(args.role)));
    }
    if (args.createRole !== undefined && typeof args.createRole !== "boolean") problems.push(`objectAudit.createRole: must be true or false`);
    const databases: ObjectAuditDatabase[] = [];
    const map = args.databases as unknown;
    if (map === null || typeof map !== "object" || Array.isArray(map) || pulumi.Output.isInstance(map)) {
        // The keys name the child resources, so they must be known now.
        problems.push(
            `objectAudit.databases: must be a plain object mapping each database name to its audited objects, e.g. { shop: [{ table: "public.cards", privileges: ["select"] }] }`,
        );
    } else {
        for (const [database, objects] of Object.entries(map as Record<string, unknown>)) {
            const field = `objectAudit.databases[${JSON.stringify(database)}]`;
            problems.push(...issues(field, pgNameSchema.safeParse(database)));
            if (isPlain(objects)) {
                const result = z
                    .array(objectEntrySchema, { error: `must be a list of { table: "schema.table", privileges: [...], columns?: [...] }` })
                    .safeParse(objects);
                if (!result.success) problems.push(...describeIssues(result.error, field, ENTRY_KEYS));
            }
            databases.push({
                database,
                objects: objects as ObjectAuditDatabase["objects"],
                childName: `${component}-objects-db-${encodeNamePart(database)}`,
            });
        }
    }
    // With a role, the plan goes on even with problems, so that conflicts with audit.role are found too.
    if (typeof args.role !== "string") return { problems };
    return {
        plan: {
            role: args.role,
            roleScope: roleScope,
            createRole: args.createRole === true || args.createRole === undefined,
            databases,
        },
        problems,
    };
}

/** `audit` with `role` set to the audit role; a different `audit.role` is a mistake, said once. */
export function withServiceRole(subject: string, audit: pulumi.Input<PgAuditConfig>, role: string): pulumi.Input<PgAuditConfig> {
    return whenKnown(audit, (plain) => {
        const config = (plain ?? {}) as PgAuditConfig;
        if (config.role !== undefined && config.role !== role) {
            throw new PgAuditInputError(subject, [
                `audit.role is ${JSON.stringify(config.role)} but objectAudit.role is ${JSON.stringify(role)}: pgaudit.role names one audit role; set it once, in objectAudit.role`,
            ]);
        }
        return { ...config, role };
    });
}

/** The per-database settings with `role` added for each object-audited database (roleScope "databases"). */
export function withDatabaseRoles(
    subject: string,
    databases: Record<string, pulumi.Input<PgAuditSettingsInput>> | undefined,
    plan: CheckedObjectAudit,
): Record<string, pulumi.Input<PgAuditSettingsInput>> | undefined {
    if (plan.roleScope !== "databases") return databases;
    const merged: Record<string, pulumi.Input<PgAuditSettingsInput>> = { ...(databases ?? {}) };
    for (const { database } of plan.databases) {
        const field = `databases[${JSON.stringify(database)}].role`;
        merged[database] = whenKnown(merged[database], (plain) => {
            const settings = (plain ?? {}) as PgAuditSettingsInput;
            if (settings.role !== undefined && settings.role !== plan.role) {
                throw new PgAuditInputError(subject, [
                    `${field} is ${JSON.stringify(settings.role)} but objectAudit.role is ${JSON.stringify(plan.role)}: set it once, in objectAudit.role`,
                ]);
            }
            return { ...settings, role: plan.role };
        });
    }
    return merged;
}
