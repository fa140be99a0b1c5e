/**
 * The policy pack `pulumi preview --policy-pack node_modules/pulumi-aiven-pgaudit/policy` runs.
 * @pulumi/policy is an optional peer dependency: it resolves from the user's project, next to the
 * @pulumi/pulumi that runs the pack.
 */
import type * as policy from "@pulumi/policy";
import { pgAuditPolicies } from "./policies";

function loadPolicySdk(): typeof policy {
    try {
        // Loaded on demand so that a project without @pulumi/policy gets this message, not a stack trace.
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        return require("@pulumi/policy") as typeof policy;
    } catch (err) {
        if ((err as { code?: string }).code !== "MODULE_NOT_FOUND") throw err;
        throw new Error("the pgaudit policy pack needs @pulumi/policy in your project: npm install --save-dev @pulumi/policy", { cause: err });
    }
}

new (loadPolicySdk().PolicyPack)("pulumi-aiven-pgaudit", {
    description: "pgaudit on Aiven for PostgreSQL meets a compliance baseline (Crunchy Data PostgreSQL STIG, CIS PostgreSQL Benchmark, or your own).",
    policies: pgAuditPolicies(),
});
