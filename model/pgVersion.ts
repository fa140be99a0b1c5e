/**
 * The service's PostgreSQL major version: Aiven's enum (shared/aiven-schema/pg-pgaudit.json
 * `pg_version`), and the gate for per-database and per-role settings, which on Aiven need
 * PostgreSQL 15+ (avnadmin may set pgaudit.* at those scopes only through the parameter grants
 * PostgreSQL 15 introduced).
 */
import { z } from "zod";

const AIVEN_PG_VERSIONS = ["10", "11", "12", "13", "14", "15", "16", "17", "18"] as const;
/** The first major version that takes per-database and per-role pgaudit settings on Aiven. */
export const MIN_SCOPED_PG_VERSION = 15;

export const pgVersionSchema = z.enum(AIVEN_PG_VERSIONS, {
    error: `must be a PostgreSQL major version Aiven offers, as a string: one of ${AIVEN_PG_VERSIONS.map((v) => `"${v}"`).join(", ")}`,
});

/** Why per-scope settings cannot be declared on this version, or undefined when they can. */
export function scopedSettingsVersionProblem(field: string, version: string | undefined): string | undefined {
    if (version === undefined || Number(version) >= MIN_SCOPED_PG_VERSION) return undefined;
    return (
        `databases, roles, roleDatabases and exclusive need PostgreSQL ${MIN_SCOPED_PG_VERSION} or later on Aiven, and ${field} is "${version}": ` +
        `upgrade the service first (set ${field} to "${MIN_SCOPED_PG_VERSION}" or later; Aiven upgrades in place, ` +
        `see https://aiven.io/docs/products/postgresql/howto/upgrade), or remove the per-scope settings and exclusive`
    );
}
