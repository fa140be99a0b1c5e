// What the pack does with checked inputs it cannot read: every such value is a violation, never a
// pass. The shapes PgAuditScopes' check writes and the unknowns at preview are measured through
// the real engine in test/cli/policyPack.test.ts; here, the shapes no check writes (a hand-edited
// or foreign resource of the same type), through the analyzer's own unknownCheckingProxy.
import { test } from "node:test";
import assert from "node:assert/strict";
import type { ResourceValidationArgs } from "@pulumi/policy";
import { checkingProxy } from "../support/checkingProxy";
import { UNKNOWN } from "../../model/inputFailures";
import { pgAuditPolicies, SCOPES_TYPE, SETTING_TYPE } from "../../policy/policies";

const [baseline] = pgAuditPolicies();

function violations(type: string, props: Record<string, unknown>): string[] {
    const messages: string[] = [];
    const args = {
        type,
        name: "x",
        urn: `urn:pulumi:dev::p::${type}::x`,
        props: checkingProxy(props),
        getConfig: () => ({}),
    } as unknown as ResourceValidationArgs;
    (baseline.validateResource as (a: ResourceValidationArgs, r: (m: string) => void) => void)(args, (m) => messages.push(m));
    return messages;
}

const FAILS_CLOSED = /the pack fails closed\. Fix: declare it as the resource's inputs document/;

test("a PgAuditScopes whose scopes are neither the text (or map) nor a list fails closed", () => {
    for (const scopes of [undefined, "log=all", '["role/app"]', 42, null]) {
        const found = violations(SCOPES_TYPE, { scopes });
        assert.equal(found.length, 1, `scopes = ${JSON.stringify(scopes)}`);
        assert.match(
            found[0],
            /^PgAuditScopes "x": scopes is neither the scope text PgAuditScopes' check writes nor a list of scopes, so it cannot be checked against stig/,
        );
    }
});

test("a scope key or settings line no check writes fails closed, naming the entry; a good entry beside it is still judged", () => {
    const found = violations(SCOPES_TYPE, { scopes: { "user/app": "log=all", "role/app": "log=read;;", "role/ok": "log=all", "role/weak": "log=ddl" } });
    assert.equal(found.length, 3, found.join("\n"));
    // Even with settings that meet the baseline: a key no check writes is not a scope the pack can vouch for.
    assert.match(found[0], /^PgAuditScopes "x": scopes\["user\/app"\] is not a scope key this package writes/);
    assert.match(found[0], FAILS_CLOSED);
    assert.match(found[1], /^PgAuditScopes "x" \(role "app"\): scopes\["role\/app"\] is not a settings line this package writes/);
    assert.match(found[1], FAILS_CLOSED);
    assert.match(found[2], /^PgAuditScopes "x" \(role "weak"\): scopes\["role\/weak"\]\.log = \["ddl"\] lacks role, read, write/);
});

test("PgAuditSetting settings that are not a settings object, or a scope naming nothing, fail closed", () => {
    assert.match(violations(SETTING_TYPE, { role: "app", settings: { log: "reed" } })[0], /settings is not a pgaudit settings object, so it cannot be checked/);
    assert.match(violations(SETTING_TYPE, { role: "app" })[0], /settings is not a pgaudit settings object/);
    // Weak settings on a scope that names nothing: no exception can be matched to it.
    assert.match(violations(SETTING_TYPE, { settings: { log: ["read"] } })[0], /^PgAuditSetting "x": database\/role names no database and no role/);
    assert.deepEqual(violations(SETTING_TYPE, { role: "app", settings: { log: ["all"] } }), []);
});

test("PgAuditScopes group scopes the pack cannot read fail closed: a foreign key, a bad line, a group map of another shape, an unknown", () => {
    const scopes = { "role/ok": "log=all" };
    const found = violations(SCOPES_TYPE, { scopes, groups: { "team/x": "log=all", "group/a": "log=read;;", "group/weak": "log=ddl" } });
    assert.equal(found.length, 3, found.join("\n"));
    assert.match(found[0], /^PgAuditScopes "x": groups\["team\/x"\] is not a group key this package writes/);
    assert.match(found[1], /^PgAuditScopes "x" \(the members of group "a"\): groups\["group\/a"\] is not a settings line this package writes/);
    assert.match(found[2], /^PgAuditScopes "x" \(the members of group "weak"\): groups\["group\/weak"\]\.log = \["ddl"\] lacks role, read, write/);
    for (const groups of ["log=all", 42, null]) {
        const bad = violations(SCOPES_TYPE, { scopes, groups });
        assert.equal(bad.length, 1, `groups = ${JSON.stringify(groups)}`);
        assert.match(bad[0], /groups is not the group map PgAuditScopes' check writes, so it cannot be checked/);
    }
    const unknown = violations(SCOPES_TYPE, { scopes, groups: [{ group: "analysts", settings: UNKNOWN }] });
    assert.equal(unknown.length, 1, unknown.join("\n"));
    assert.match(unknown[0], /groups\[0\]\.settings is unknown at preview/);
});
