/**
 * A compliance baseline as data: which published document it comes from (document, version, the
 * document's own rule ids) and what it asks of pgaudit, in rules a machine can check. The same
 * baseline drives the component (at construction), the posture gate (on the live server) and the
 * policy pack (at `pulumi preview`).
 */
import { z } from "zod";
import { PGAUDIT_LOG_CLASSES, type PgAuditLogClass } from "../model/pgauditLog";
import { settingsSchema } from "../model/settingsSchema";
import { SETTING_KEYS, type SettingKey } from "../model/settings";

/** Classes a rule can require: every class but `none`, and `all` spelled out, so each is checked and named on its own. */
const BASELINE_CLASSES = PGAUDIT_LOG_CLASSES.filter((c): c is Exclude<PgAuditLogClass, "all" | "none"> => c !== "all" && c !== "none");
export type BaselineClass = (typeof BASELINE_CLASSES)[number];

/** Settings a `setting` rule may pin: every per-scope pgaudit setting but `log`, which `classes` rules cover. */
const PINNABLE_KEYS = SETTING_KEYS.filter((k): k is Exclude<SettingKey, "log"> => k !== "log");

/** One rule of the source document, by the document's own ids. */
const baselineReferenceSchema = z.strictObject({
    /** The id a reader looks up in the document: a STIG Vuln ID ("V-233565"), a CIS recommendation number ("3.2"). */
    id: z.string({ error: "must be the source document's id for the rule" }).min(1, "must not be empty"),
    /** The rule's title in the document. */
    title: z.string({ error: "must be the rule's title in the source document" }).min(1, "must not be empty"),
    /** The document's other ids for the same rule (a STIG ID, a rule version id). */
    otherIds: z.array(z.string().min(1)).optional(),
});

const ruleIdSchema = z
    .string({ error: "must be a rule id (a string)" })
    .regex(/^[a-z0-9][a-z0-9-]*$/, "must be lowercase letters, digits and dashes, e.g. log-classes");

const ruleBase = {
    /** This baseline's name for the rule, unique in the baseline: messages and `--json` carry it. */
    id: ruleIdSchema,
    /** What the source asks, in one sentence (our words, not the document's). */
    says: z.string({ error: "must say what the source asks, in one sentence" }).min(1, "must not be empty"),
    /** The source's rules this rule implements. */
    references: z.array(baselineReferenceSchema).min(1, "name at least one rule of the source document"),
};

const baselineRuleSchema = z.discriminatedUnion(
    "kind",
    [
        /** pgaudit is loaded (Aiven: `pgUserConfig.pgaudit.featureEnabled`). */
        z.strictObject({ ...ruleBase, kind: z.literal("enabled") }),
        /** pgaudit.log audits each of these classes, as pgaudit builds its bitmap (left to right, `-class` subtracts). */
        z.strictObject({
            ...ruleBase,
            kind: z.literal("classes"),
            classes: z
                .array(z.enum(BASELINE_CLASSES, { error: `must be a pgaudit class: one of ${BASELINE_CLASSES.join(", ")}` }))
                .min(1, "name at least one class"),
        }),
        /**
         * Every AUDIT line reaches the server log (the one Aiven ships): pgaudit.log_client,
         * pgaudit.log_level and log_min_messages do not divert or drop it. Built in: defineBaseline
         * adds it to every baseline that does not carry it (see SERVER_LOG_RULE).
         */
        z.strictObject({ ...ruleBase, kind: z.literal("server-log") }),
        /** Another pgaudit setting has this value (`logCatalog: true`). */
        z.strictObject({
            ...ruleBase,
            kind: z.literal("setting"),
            setting: z.enum(PINNABLE_KEYS, { error: `must be a pgaudit setting: one of ${PINNABLE_KEYS.join(", ")} (pgaudit.log is a "classes" rule)` }),
            value: z.union([z.boolean(), z.number(), z.string()], { error: "must be the value the setting must have" }),
        }),
    ],
    { error: `must be a rule with kind "enabled", "classes", "server-log" or "setting"` },
);

const baselineSchema = z
    .strictObject({
        /** Short name: `--baseline NAME`, `baseline: "NAME"`. */
        name: z.string({ error: "must be a name (a string)" }).regex(/^[a-z0-9][a-z0-9-]*$/, "must be lowercase letters, digits and dashes, e.g. acme-prod"),
        /** What people call it. */
        title: z.string({ error: "must be a title (a string)" }).min(1, "must not be empty"),
        source: z.strictObject({
            /** The document, as its publisher names it. */
            document: z.string({ error: "must name the source document" }).min(1, "must not be empty"),
            /** Its version or release ("V3R1", "v1.1.0"). */
            version: z.string({ error: "must give the document's version" }).min(1, "must not be empty"),
            /** Its publication date, when known. */
            date: z.string().optional(),
            /** Where the document is published. */
            url: z.string().optional(),
            /** The text the rules were read from, when it is not the document itself. */
            readFrom: z.string().optional(),
            /** What the reader of the rules should know (what was left out, what was interpreted). */
            notes: z.string().optional(),
        }),
        rules: z.array(baselineRuleSchema).min(1, "a baseline needs at least one rule"),
    })
    .superRefine((baseline, ctx) => {
        const seen = new Set<string>();
        baseline.rules.forEach((rule, index) => {
            if (seen.has(rule.id))
                ctx.addIssue({ code: "custom", message: `rule id "${rule.id}" is used twice; rule ids must be unique`, path: ["rules", index, "id"] });
            seen.add(rule.id);
            if (rule.kind === "setting") {
                // The value must be one a scope could hold: the per-scope schema says which.
                const parsed = settingsSchema.safeParse({ [rule.setting]: rule.value });
                if (!parsed.success) {
                    ctx.addIssue({
                        code: "custom",
                        message: `is not a valid ${rule.setting}: ${parsed.error.issues[0].message}`,
                        path: ["rules", index, "value"],
                    });
                } else {
                    rule.value = (parsed.data as Record<string, string | number | boolean>)[rule.setting];
                }
            }
        });
    });

/** A compliance baseline: its name, its source and its rules over the pgaudit parameters. */
export type Baseline = z.output<typeof baselineSchema>;
/** A baseline as written in code or JSON, before defineBaseline checks it. */
export type BaselineInput = z.input<typeof baselineSchema>;
/** One rule of a baseline: what it requires, and the source's rule ids. */
export type BaselineRule = Baseline["rules"][number];

/**
 * The rule every baseline carries: audit lines that never reach the server log defeat every other
 * rule, and no published baseline asks for that, so a baseline cannot leave it out. pgAudit's own
 * README says log_client "should generally be left disabled" and log_level "is not intended to be
 * used in a production environment".
 */
export const SERVER_LOG_RULE = {
    id: "server-log",
    kind: "server-log",
    says: "every AUDIT line reaches the server log (what Aiven ships): pgaudit.log_client, pgaudit.log_level and log_min_messages do not divert or drop it",
    references: [
        {
            id: "pgaudit.log_client",
            title: "pgAudit README, pgaudit.log_client and pgaudit.log_level: sending audit entries to the client instead of the server log is for testing, not production",
            otherIds: ["pgaudit.log_level", "PostgreSQL elog.c is_log_level_output (log_min_messages)"],
        },
    ],
} as const satisfies z.input<typeof baselineRuleSchema>;

/**
 * Validates a baseline a user declares in code (or reads from JSON), or throws naming each wrong
 * field. A baseline without a `server-log` rule gets SERVER_LOG_RULE appended.
 */
export function defineBaseline(input: BaselineInput): Baseline {
    const result = baselineSchema.safeParse(input);
    if (!result.success) {
        const lines = result.error.issues.map(
            (i) =>
                `${["baseline", ...i.path]
                    .map((p) => (typeof p === "number" ? `[${p}]` : `.${String(p)}`))
                    .join("")
                    .slice(1)}: ${i.message}`,
        );
        throw new Error(`invalid baseline: ${lines.join("; ")}`);
    }
    if (result.data.rules.some((r) => r.kind === "server-log")) return result.data;
    if (result.data.rules.some((r) => r.id === SERVER_LOG_RULE.id)) {
        throw new Error(`invalid baseline: rule id "${SERVER_LOG_RULE.id}" is reserved for the built-in rule of kind "server-log"; rename that rule`);
    }
    return { ...result.data, rules: [...result.data.rules, structuredClone(SERVER_LOG_RULE)] };
}

/** `stig rule "log-classes" (V-233557, V-233563)`: how messages name a rule. */
export function ruleLabel(baseline: Baseline, rule: BaselineRule): string {
    return `${baseline.name} rule "${rule.id}" (${rule.references.map((r) => r.id).join(", ")})`;
}
