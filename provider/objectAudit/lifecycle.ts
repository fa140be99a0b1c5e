/**
 * PgAuditObjectAudit's check: pure, so that `pulumi preview` never touches a database, and light
 * enough (zod, no node-postgres) for the resource to run it at construction.
 */
import { checkWith, ownProperties, type CheckOutcome } from "../core/dynamicInputs";
import { objectAuditInputFailures, objectAuditInputsSchema } from "./schema";

/** Validates and normalizes the inputs; all failures at once. `roleCreated` and `ownerId` are outputs, not inputs. */
export function checkObjectAuditInputs(news: Record<string, unknown>): CheckOutcome {
    const { roleCreated: _output, ownerId: _id, ...props } = ownProperties(news);
    return checkWith(objectAuditInputsSchema, props, objectAuditInputFailures);
}
