// PgAuditObjectAudit's pure core: table names, input validation as preview shows it, the grant
// plan and its SQL, and diff. None of it touches a database.
import { test } from "node:test";
import assert from "node:assert/strict";
import { declaredGrants, entriesOf, planGrants, planStatements, type Grant } from "../../../provider/objectAudit/plan";
import { checkObjectAuditInputs } from "../../../provider/objectAudit/lifecycle";
import { diffObjectAudit, objectAuditScopeKey } from "../../../provider/objectAudit/provider";
import { formatTableName, parseTableName } from "../../../model/objectAudit";
import { UNKNOWN } from "../../../model/inputFailures";
import { without } from "../../support/without";

const connection = "postgresql://avnadmin:pw@db.example:5432/defaultdb?sslmode=require";

test("table names: schema.table as written, quoted parts for dots and quotes, and the canonical text round-trips", () => {
    assert.deepEqual(parseTableName("public.cards"), { schema: "public", table: "cards" });
    assert.deepEqual(parseTableName("Sales.Orders"), { schema: "Sales", table: "Orders" }, "no case folding");
    assert.deepEqual(parseTableName('"a.b"."c""d"'), { schema: "a.b", table: 'c"d' });
    assert.deepEqual(parseTableName('public."x.y"'), { schema: "public", table: "x.y" });
    for (const name of [
        { schema: "public", table: "cards" },
        { schema: 'we"ird.s', table: "t\n ✓" },
        { schema: " lead", table: "a.b.c" },
    ]) {
        assert.deepEqual(parseTableName(formatTableName(name)), name);
    }
    assert.equal(formatTableName({ schema: "public", table: "x.y" }), 'public."x.y"');
    for (const [text, reason] of [
        ["cards", /must name the schema too/],
        ["public.", /both parts non-empty/],
        ["a.b.c", /text after "schema\.table"/],
        ['"open.cards', /unterminated/],
        ['pub"lic.cards', /quote inside an unquoted name/],
    ] as const) {
        const parsed = parseTableName(text);
        assert.ok("error" in parsed, text);
        assert.match(parsed.error, reason);
    }
});

test("check: every problem at once, each naming the property and the fix; nothing echoes the connection", () => {
    const result = checkObjectAuditInputs({
        connection,
        database: "shop",
        auditRole: "x".repeat(64),
        objects: [
            { table: "cards", privileges: ["select"] },
            { table: "public.cards", privileges: ["delete"], columns: ["pan"] },
            { table: "public.cards", privileges: ["SELECT", "truncate"] },
            { table: "public.cards", privileges: [] },
            { table: "public.cards", privileges: ["select"], columns: [] },
            { table: "public.cards", privilege: ["select"] },
        ],
    });
    const byProperty = Object.fromEntries(result.failures.map((f) => [f.property, f.reason]));
    assert.match(byProperty.auditRole, /63-byte name limit/);
    assert.match(byProperty["objects[0].table"], /must name the schema too/);
    assert.match(byProperty["objects[1].privileges"], /delete on whole tables only/);
    assert.match(byProperty["objects[2].privileges[0]"], /must be one of select, insert, update, delete \(lowercase\)/);
    assert.match(byProperty["objects[2].privileges[1]"], /must be one of/);
    assert.match(byProperty["objects[3].privileges"], /at least one/);
    assert.match(byProperty["objects[4].columns"], /at least one column, or be left out/);
    assert.match(byProperty["objects[5].privilege"], /not a known property; expected one of table, privileges, columns/);
    assert.ok(!JSON.stringify(result.failures).includes("pw@"), "no failure repeats the connection");

    const missing = checkObjectAuditInputs({ connection });
    assert.deepEqual(missing.failures.map((f) => f.property).sort(), ["auditRole", "database", "objects"]);
});

test("check normalizes (sorted, deduplicated, canonical names) and leaves values unknown at preview unjudged", () => {
    const ok = checkObjectAuditInputs({
        connection,
        database: "shop",
        auditRole: "auditor",
        objects: [
            { table: "public.cards", privileges: ["update", "select", "update"] },
            { table: '"public"."Cards"', privileges: ["select"], columns: ["pan", "cvv", "pan"] },
        ],
    });
    assert.deepEqual(ok.failures, []);
    assert.deepEqual(ok.inputs.objects, [
        { table: "public.Cards", privileges: ["select"], columns: ["cvv", "pan"] },
        { table: "public.cards", privileges: ["select", "update"] },
    ]);
    assert.equal(ok.inputs.createRole, false);
    assert.equal(ok.inputs.adopt, false);

    const unknown = checkObjectAuditInputs({
        connection: UNKNOWN,
        database: "shop",
        auditRole: "auditor",
        objects: [{ table: UNKNOWN, privileges: ["select"] }],
    });
    assert.deepEqual(unknown.failures, []);
});

const g = (table: string, privilege: Grant["privilege"], column: string | null = null): Grant => ({ schema: "public", table, privilege, column });

test("plan: revoke what is not declared, grant what is missing; a table-wide revoke is followed by the column grants it took", () => {
    const desired = declaredGrants([
        { table: "public.cards", privileges: ["select"], columns: ["pan"] },
        { table: "public.cards", privileges: ["update"] },
    ]);
    assert.deepEqual(planGrants(desired, desired), { grant: [], revoke: [] });
    // Found: table-wide SELECT as well as the declared SELECT (pan); REVOKE SELECT takes both.
    const found = [g("cards", "select"), g("cards", "select", "pan"), g("notes", "delete")];
    const plan = planGrants(found, desired);
    assert.deepEqual(plan.revoke, [g("cards", "select"), g("notes", "delete")]);
    assert.deepEqual(plan.grant, [g("cards", "select", "pan"), g("cards", "update")]);
    assert.deepEqual(planStatements(plan, "auditor"), [
        'REVOKE SELECT ON TABLE "public"."cards" FROM "auditor"',
        'REVOKE DELETE ON TABLE "public"."notes" FROM "auditor"',
        'GRANT SELECT ("pan"), UPDATE ON TABLE "public"."cards" TO "auditor"',
    ]);
});

test("SQL: every name is an escaped identifier, so hostile names stay names", () => {
    const hostile: Grant = { schema: 's"; DROP SCHEMA x; --', table: "t'\n", privilege: "insert", column: 'c") ON x TO y; --' };
    const [statement] = planStatements({ grant: [hostile], revoke: [] }, 'r"; DROP ROLE a');
    assert.equal(statement, 'GRANT INSERT ("c"") ON x TO y; --") ON TABLE "s""; DROP SCHEMA x; --"."t\'\n" TO "r""; DROP ROLE a"');
});

test("entries group grants per table and column set, and give back the same grants", () => {
    const grants = [g("cards", "select", "pan"), g("cards", "insert", "pan"), g("cards", "update", "holder"), g("cards", "delete")];
    const entries = entriesOf(grants);
    assert.deepEqual(entries, [
        { table: "public.cards", privileges: ["update"], columns: ["holder"] },
        { table: "public.cards", privileges: ["insert", "select"], columns: ["pan"] },
        { table: "public.cards", privileges: ["delete"] },
    ]);
    assert.deepEqual(declaredGrants(entries), declaredGrants(entriesOf(declaredGrants(entries))));
});

test("diff: objects compare as privileges, not as text; a new database or audit role replaces", () => {
    const olds = { connection: { host: "h" }, database: "shop", auditRole: "auditor", objects: [{ table: "public.cards", privileges: ["select", "update"] }] };
    const split = {
        ...olds,
        objects: [
            { table: "public.cards", privileges: ["update"] },
            { table: "public.cards", privileges: ["select"] },
        ],
    };
    assert.equal(diffObjectAudit(olds, split).changes, false);
    assert.deepEqual(diffObjectAudit(olds, { ...olds, objects: [{ table: "public.cards", privileges: ["select"] }] }).changed, ["objects"]);
    assert.deepEqual(diffObjectAudit(olds, { ...olds, auditRole: "other" }).replaces, ["auditRole"]);
    assert.deepEqual(diffObjectAudit(olds, { ...olds, database: "depot" }).replaces, ["database"]);
    assert.deepEqual(diffObjectAudit(olds, { ...olds, objects: UNKNOWN }).changed, ["objects"]);
    assert.deepEqual(diffObjectAudit(olds, { ...olds, connection: { host: "other" } }).changed, ["connection"]);
});

test("diff and ownership: an owner label change is an update; a connection to another server replaces; the record key names database and role", () => {
    const olds = {
        connection: { host: "h", port: 5432 },
        database: "shop",
        auditRole: "auditor",
        objects: [{ table: "public.cards", privileges: ["select"] }],
        owner: { stack: "shop/dev", resource: 'PgAuditObjectAudit "a"' },
    };
    assert.deepEqual(diffObjectAudit(olds, { ...olds, owner: { stack: "shop/dev", resource: 'PgAuditObjectAudit "b"' } }), {
        changes: true,
        replaces: [],
        changed: ["owner"],
    });
    assert.deepEqual(diffObjectAudit(olds, { ...olds, connection: { host: "h2", port: 5432 } }), {
        changes: true,
        replaces: ["connection"],
        changed: ["connection"],
    });
    assert.deepEqual(diffObjectAudit(olds, { ...olds, connection: { host: "H", port: 5432, password: "rotated" } }).replaces, [], "same server: an update");
    const previous = without(olds, "owner");
    assert.deepEqual(diffObjectAudit(previous, olds).changed, ["owner"], "state before owner labels: the first up records it");
    assert.equal(objectAuditScopeKey({ database: "a/b", auditRole: "r" }), "objects/database/a%2Fb/role/r");
});
