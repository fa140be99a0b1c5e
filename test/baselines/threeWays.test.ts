// The component's own baseline check and the policy pack give every generated scope the same
// verdict, with and without exceptions, under each shipped baseline (fast-check: scopes ×
// settings × baselines × exceptions). The pack reads what the engine hands it: the policy harness
// runs PgAuditScopes' real check first. test/cli/threeWays.test.ts holds a generated sample to the
// real engine and to `pgaudit-posture --baseline` after a real `pulumi up`.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { casesArbitrary, scopeWords } from "../support/declarations";
import { inProcessVerdicts } from "../support/verdicts";

for (const baseline of ["stig", "cis"]) {
    test(`${baseline}: the component and the policy pack agree on every generated scope, exceptions included`, async () => {
        let weakSeen = 0;
        let passSeen = 0;
        await fc.assert(
            fc.asyncProperty(casesArbitrary("r", 1, 6, true), async (cases) => {
                const v = await inProcessVerdicts(baseline, cases);
                for (const c of cases) {
                    const key = scopeWords(c);
                    const weak = v.pack.has(key);
                    if (weak) weakSeen++;
                    else passSeen++;
                    const detail = `${key} ${JSON.stringify(c.settings)} excepted=${c.excepted}`;
                    assert.equal(v.component.weaker.has(key), weak && !c.excepted, `component refuses ${detail}`);
                    assert.equal(v.component.meets.has(key), !weak && c.excepted, `component calls the exception needless for ${detail}`);
                    assert.equal(v.packExcepted.has(key), weak && !c.excepted, `pack with exceptions fails ${detail}`);
                }
            }),
            { numRuns: 150 },
        );
        // The generator reaches both verdicts, or agreement would prove nothing.
        assert.ok(weakSeen > 50 && passSeen > 50, `weak ${weakSeen}, passing ${passSeen}`);
    });
}
