/**
 * The pgaudit recommendation of the CIS PostgreSQL Benchmark: 3.2 "Ensure the PostgreSQL Audit
 * Extension (pgAudit) is enabled" (Automated, Level 1), read from the CIS PostgreSQL 17 Benchmark
 * v1.1.0. Its audit fails when pgaudit is not in shared_preload_libraries or when pgaudit.log does
 * not contain "the desired auditing components", which it leaves to the organization; its
 * remediation logs ddl and write, which this baseline adopts (see `source.notes`).
 */
import { defineBaseline } from "./baseline";

const REC_3_2 = { id: "3.2", title: "Ensure the PostgreSQL Audit Extension (pgAudit) is enabled (Automated)" };

/** The CIS PostgreSQL Benchmark's pgaudit recommendation (3.2), as a baseline. */
export const cisBaseline = defineBaseline({
    name: "cis",
    title: "CIS PostgreSQL Benchmark, recommendation 3.2",
    source: {
        document: "CIS PostgreSQL 17 Benchmark",
        version: "v1.1.0",
        url: "https://www.cisecurity.org/benchmark/postgresql",
        readFrom:
            "the benchmark text of CIS PostgreSQL 17 Benchmark v1.1.0, section 3.2 (a copy in a public repository); the same audit and " +
            "remediation text is in github.com/risk-sentinel/cis-postgresql-baseline controls/3.2.rb (InSpec, CIS PostgreSQL Benchmark v1.0.0, PostgreSQL 14-18)",
        notes:
            "3.2 asks for pgaudit.log to contain 'the desired auditing components' without naming them; its remediation example is " +
            "pgaudit.log = 'ddl,write', taken here as the classes. 3.2 has no pgaudit.log_catalog requirement. " +
            "Declare your own baseline (defineBaseline) when your organization desires more.",
    },
    rules: [
        { id: "enabled", kind: "enabled", says: "pgaudit is loaded (shared_preload_libraries contains pgaudit)", references: [REC_3_2] },
        {
            id: "log-classes",
            kind: "classes",
            classes: ["ddl", "write"],
            says: "pgaudit.log contains ddl and write (3.2's remediation example)",
            references: [REC_3_2],
        },
    ],
});
