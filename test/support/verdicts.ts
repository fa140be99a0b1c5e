/**
 * The component's and the policy pack's verdicts on generated cases, in-process: the component
 * under Pulumi's mocks (its constructor throws every problem at once), the pack through the
 * policy harness, which hands it PgAuditScopes' checked inputs as the engine does.
 */
import { runPolicies, runProgram } from "./policyHarness";
import { componentScopes, componentVerdicts, exceptionsOf, packFailures, scopesList, type Case } from "./declarations";
import { PgAuditLogging } from "../../components";
import { PgAuditLoggingError } from "../../components/errors";
import { PgAuditScopes } from "../../provider";
import { BASELINE_POLICY, pgAuditPolicies } from "../../policy/policies";

const CONNECTION = "postgresql://avnadmin:pw@db.example:5432/defaultdb?sslmode=require";
const policies = pgAuditPolicies();

/** Per scope: what the component refuses or calls needless to except, what the pack fails without and with the exceptions. */
export async function inProcessVerdicts(baseline: string, cases: readonly Case[]) {
    let problems: readonly string[] = [];
    const resources = await runProgram((opts) => {
        try {
            new PgAuditLogging(
                "audit",
                {
                    project: "p",
                    service: { serviceName: "svc", plan: "startup-4", pgVersion: "17" },
                    connection: CONNECTION,
                    baseline,
                    exceptions: exceptionsOf(cases),
                    ...componentScopes(cases),
                },
                opts,
            );
        } catch (err) {
            if (!(err instanceof PgAuditLoggingError)) throw err;
            problems = err.problems;
        }
        new PgAuditScopes("generated", { connection: CONNECTION, scopes: scopesList(cases) }, opts);
    });
    const generated = async (config: object) =>
        packFailures(
            (await runPolicies(policies, resources, { [BASELINE_POLICY]: config }))
                .map((v) => v.message)
                .filter((m) => m.startsWith(`PgAuditScopes "generated" `)),
        );
    return {
        component: componentVerdicts(problems),
        pack: await generated({ baseline }),
        packExcepted: await generated({ baseline, exceptions: exceptionsOf(cases) }),
    };
}
