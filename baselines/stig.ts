/**
 * The pgaudit rules of the Crunchy Data PostgreSQL STIG (DISA), V3R1, read from the check texts of
 * MITRE SAF's InSpec profile of that release (github.com/mitre/crunchy-data-postgresql-stig-baseline,
 * profile 3.1.0, benchmark date 24 Jul 2024). Only what a check text calls a finding is a rule
 * here; a fix text's further suggestions are not (see `source.notes`).
 */
import { defineBaseline } from "./baseline";

const ref = (id: string, stigId: string, ruleId: string, title: string) => ({ id, title, otherIds: [stigId, ruleId] });

/** The Crunchy Data PostgreSQL STIG's pgaudit rules, as a baseline. */
export const stigBaseline = defineBaseline({
    name: "stig",
    title: "Crunchy Data PostgreSQL STIG (DISA)",
    source: {
        document: "Crunchy Data PostgreSQL Security Technical Implementation Guide",
        version: "V3R1",
        date: "2024-07-24",
        url: "https://public.cyber.mil/stigs/",
        readFrom: "check texts in github.com/mitre/crunchy-data-postgresql-stig-baseline (InSpec profile 3.1.0 for V3R1), controls/V-*.rb",
        notes:
            "Checks that ask for fewer classes (V-233551 and V-233566: ddl, write, role; V-233571: role) are covered by log-classes. " +
            "Fix texts also suggest pgaudit.log_parameter = on, log_statement_once = off, log_level = log and pgaudit.log = 'all, -misc' " +
            "(V-233512), but no check text calls their absence a finding, so they are not rules here.",
    },
    rules: [
        {
            id: "enabled",
            kind: "enabled",
            says: "pgaudit is loaded (shared_preload_libraries contains pgaudit), so session auditing runs from startup",
            references: [ref("V-233589", "CD12-00-008600", "SV-233589r960888_rule", "PostgreSQL must initiate session auditing upon startup.")],
        },
        {
            id: "log-classes",
            kind: "classes",
            classes: ["ddl", "role", "read", "write"],
            says: "pgaudit.log contains role, read, write and ddl",
            references: [
                ref(
                    "V-233557",
                    "CD12-00-005000",
                    "SV-233557r961821_rule",
                    "PostgreSQL must generate audit records when unsuccessful attempts to delete categorized information (e.g., classification levels/security levels) occur.",
                ),
                ref(
                    "V-233563",
                    "CD12-00-005600",
                    "SV-233563r961809_rule",
                    "PostgreSQL must generate audit records when unsuccessful attempts to modify categorized information (e.g., classification levels/security levels) occur.",
                ),
                ref(
                    "V-233565",
                    "CD12-00-005800",
                    "SV-233565r961827_rule",
                    "PostgreSQL must generate audit records for all privileged activities or other system-level access.",
                ),
                ref(
                    "V-233567",
                    "CD12-00-006000",
                    "SV-233567r961791_rule",
                    "PostgreSQL must be able to generate audit records when security objects are accessed.",
                ),
                ref("V-233568", "CD12-00-006100", "SV-233568r961812_rule", "PostgreSQL must generate audit records when privileges/permissions are deleted."),
                ref(
                    "V-233570",
                    "CD12-00-006300",
                    "SV-233570r961818_rule",
                    "PostgreSQL must generate audit records when unsuccessful attempts to delete security objects occur.",
                ),
                ref("V-233573", "CD12-00-006600", "SV-233573r961803_rule", "PostgreSQL must generate audit records when security objects are modified."),
                ref(
                    "V-233574",
                    "CD12-00-006700",
                    "SV-233574r961809_rule",
                    "PostgreSQL must generate audit records when categories of information (e.g., classification levels/security levels) is modified.",
                ),
                ref(
                    "V-233620",
                    "CD12-00-012500",
                    "SV-233620r961821_rule",
                    "Audit records must be generated when categorized information (e.g., classification levels/security levels) is deleted.",
                ),
                ref("V-233621", "CD12-00-012600", "SV-233621r961836_rule", "PostgreSQL must generate audit records when successful accesses to objects occur."),
            ],
        },
        {
            id: "log-catalog",
            kind: "setting",
            setting: "logCatalog",
            value: true,
            says: "pgaudit.log_catalog is on, so statements on pg_catalog (role and privilege lookups) are audited too",
            references: [
                ref("V-233573", "CD12-00-006600", "SV-233573r961803_rule", "PostgreSQL must generate audit records when security objects are modified."),
            ],
        },
    ],
});
