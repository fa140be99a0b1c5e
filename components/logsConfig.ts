/**
 * The `logs` integration that ships the service's log (audit lines included) to OpenSearch,
 * checked rule for rule against Aiven's schema for its user config
 * (shared/aiven-schema/logs-integration.json), and where its records land.
 */
import type * as aiven from "@pulumi/aiven";
import { z } from "zod";
import { PgAuditInputError } from "../model/errors";
import { describeIssues, type KeyHelp } from "../model/inputFailures";

/** Aiven's enum for `selected_log_fields`; MESSAGE and timestamp are always sent. */
const AIVEN_LOG_FIELDS = ["HOSTNAME", "PRIORITY", "REALTIME_TIMESTAMP", "SYSTEMD_UNIT", "service_name"] as const;
/** Aiven's default index prefix. */
const DEFAULT_INDEX_PREFIX = "logs";
/**
 * Aiven writes one index a day, `<prefix>-YYYY-MM-DD` (the mapping Aiven creates is shown for
 * `logs-yyyy-mm-dd` in aiven/terraform-provider-aiven#2389): 11 characters after the prefix.
 */
const DAILY_SUFFIX_LENGTH = "-YYYY-MM-DD".length;
/** OpenSearch refuses index names longer than 255 bytes. */
const OPENSEARCH_INDEX_NAME_MAX = 255;
/**
 * Aiven's pattern, with the hyphen moved to the end of the class: Python reads `[a-z0-9-_.]` as the
 * same set, JavaScript's `u` mode would not. Unlike Python's `$`, ours refuses a trailing newline.
 */
const AIVEN_PREFIX_PATTERN = /^[a-z0-9][a-z0-9_.-]+$/;

/** How audit records reach OpenSearch. Names follow PgAuditLogging; Aiven's are in the docs. */
export const logsConfigSchema = z.strictObject({
    /** Days of daily indices OpenSearch keeps (Aiven: elasticsearch_index_days_max), 1 to 10000; default 3. */
    indexDaysMax: z
        .number({ error: "must be a number of days" })
        .int("must be a whole number of days")
        .min(1, "must be at least 1 day")
        .max(10000, "must be at most 10000 days (Aiven's limit; 10000 effectively keeps everything)")
        .optional(),
    /**
     * Prefix of the daily indices (Aiven: elasticsearch_index_prefix); default "logs". Aiven's
     * pattern needs at least two characters (although its minLength is 1) and allows 1024, but
     * OpenSearch caps index names at 255 bytes, so we stop at 244 to leave room for the date.
     */
    indexPrefix: z
        .string({ error: 'must be an index prefix (a string), e.g. "pg-audit"' })
        .regex(
            AIVEN_PREFIX_PATTERN,
            "must be at least 2 characters of lowercase letters, digits, dashes, underscores or dots, starting with a letter or digit (Aiven's rule)",
        )
        .max(
            OPENSEARCH_INDEX_NAME_MAX - DAILY_SUFFIX_LENGTH,
            `must be at most ${OPENSEARCH_INDEX_NAME_MAX - DAILY_SUFFIX_LENGTH} characters: OpenSearch caps index names at ${OPENSEARCH_INDEX_NAME_MAX} bytes and Aiven appends "-YYYY-MM-DD"`,
        )
        .optional(),
    /** Extra fields sent with each record (Aiven: selected_log_fields), at most 5. */
    selectedLogFields: z
        .array(z.enum(AIVEN_LOG_FIELDS, { error: `must be one of ${AIVEN_LOG_FIELDS.join(", ")} (MESSAGE and timestamp are always sent)` }), {
            error: `must be a list of fields, e.g. ["HOSTNAME", "service_name"]`,
        })
        .max(AIVEN_LOG_FIELDS.length, `must list at most ${AIVEN_LOG_FIELDS.length} fields (Aiven's limit)`)
        .optional(),
});

/** Where the audit lines go in OpenSearch (index prefix, retention, fields), as written. */
export type LogsConfigInput = z.input<typeof logsConfigSchema>;
/** The logs integration's settings, checked and with defaults filled. */
export type LogsConfig = z.output<typeof logsConfigSchema>;

const LOGS_CONFIG_KEYS: KeyHelp = {
    known: Object.keys(logsConfigSchema.shape),
    hints: {
        elasticsearchIndexDaysMax: 'write "indexDaysMax"',
        elasticsearchIndexPrefix: 'write "indexPrefix"',
        elasticsearch_index_days_max: 'write "indexDaysMax"',
        elasticsearch_index_prefix: 'write "indexPrefix"',
        selected_log_fields: 'write "selectedLogFields"',
    },
};

export function parseLogsConfig(subject: string, value: unknown): LogsConfig {
    if (value === undefined || value === null) return {};
    const result = logsConfigSchema.safeParse(value);
    if (!result.success) throw new PgAuditInputError(subject, describeIssues(result.error, "logs", LOGS_CONFIG_KEYS));
    return result.data;
}

/**
 * The integration's `logsUserConfig`, with only the keys the user declared (Aiven keeps its
 * defaults for the others), or undefined when there are none, rather than an empty block.
 */
export function logsUserConfig(config: LogsConfig): aiven.types.input.ServiceIntegrationLogsUserConfig | undefined {
    const block = {
        ...(config.indexDaysMax !== undefined ? { elasticsearchIndexDaysMax: config.indexDaysMax } : {}),
        ...(config.indexPrefix !== undefined ? { elasticsearchIndexPrefix: config.indexPrefix } : {}),
        ...(config.selectedLogFields !== undefined ? { selectedLogFields: config.selectedLogFields } : {}),
    };
    return Object.keys(block).length > 0 ? block : undefined;
}

/** The OpenSearch index pattern that matches the daily indices holding the audit records. */
export function auditIndexPattern(config: LogsConfig): string {
    return `${config.indexPrefix ?? DEFAULT_INDEX_PREFIX}-*`;
}

/** The OpenSearch Dashboards filter that keeps PostgreSQL audit records only (Aiven's guide). */
export const AUDIT_DASHBOARDS_FILTER = "AIVEN_AUDIT_FROM: pg";
