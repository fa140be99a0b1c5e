/**
 * The ownership decisions, pure: who may hold a scope given its owner records, when a delete may
 * RESET, when refresh lets a scope go, and when a connection change replaces.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { decideClaim, mayRelease, ownedElsewhere, serverChanged, UNKNOWN_STACK, type OwnerRecord } from "../../model/ownership";

const scope = { role: "app" };
const record = (ownerId: string, stack: string, resource = `PgAuditSetting "${ownerId}"`): OwnerRecord => ({
    scope: "role/app",
    ownerId,
    stack,
    resource,
    claimedAt: "2026-12-01T23:00:00",
});
const me = { id: "me", label: { stack: "shop/dev", resource: 'PgAuditSetting "b"' } };
const decide = (records: OwnerRecord[], opts: { previouslyOwned?: boolean; adopt?: boolean; claimant?: typeof me | { id: string } } = {}) =>
    decideClaim({ scope, records, claimant: opts.claimant ?? me, previouslyOwned: opts.previouslyOwned ?? false, adopt: opts.adopt ?? false });

test("nobody holds it, or we do: claim, nothing to evict, values checked as usual", () => {
    assert.deepEqual(decide([]), { kind: "claim", evict: [], handover: false });
    assert.deepEqual(decide([record("me", "shop/dev")], { previouslyOwned: true }), { kind: "claim", evict: [], handover: false });
});

test("a rename, a move or a shape switch: another id of this stack holds it; the new one takes it, its values are not foreign", () => {
    assert.deepEqual(decide([record("old", "shop/dev")]), { kind: "claim", evict: ["old"], handover: true });
    // Retained, or forgotten with `pulumi state delete`: the engine never calls it again; an update takes it too.
    assert.deepEqual(decide([record("me", "shop/dev"), record("stale", "shop/dev")], { previouslyOwned: true }), {
        kind: "claim",
        evict: ["stale"],
        handover: true,
    });
    // Claimed by a refresh of state older than owner labels: cannot be told from ours.
    assert.deepEqual(decide([record("legacy", UNKNOWN_STACK)]), { kind: "claim", evict: ["legacy"], handover: true });
});

test("another stack holds it: refused, naming the scope, the owner, its stack and each fix; adopt takes it", () => {
    const refused = decide([record("theirs", "shop/prod", 'PgAuditScopes "posture"')]);
    assert.equal(refused.kind, "refuse");
    const problem = refused.kind === "refuse" ? refused.problem : "";
    assert.match(problem, /^role "app" is owned by PgAuditScopes "posture" of stack shop\/prod \(holding it since 2026-12-01T23:00:00 UTC\)/);
    assert.match(problem, /declare it in one stack only/);
    assert.match(problem, /set adopt: true/);
    assert.match(problem, /retainOnDelete/);
    assert.deepEqual(decide([record("theirs", "shop/prod")], { adopt: true }), { kind: "claim", evict: ["theirs"], handover: false });
    // A claimant without a label (inputs of an older program) is of no known stack: another stack's record is still refused.
    assert.equal(decide([record("theirs", "shop/prod")], { claimant: { id: "me" } }).kind, "refuse");
});

test("an update that no longer holds it: told who took it, and the fix", () => {
    const taken = decide([record("theirs", "shop/prod")], { previouslyOwned: true });
    assert.equal(taken.kind, "refuse");
    assert.match(
        taken.kind === "refuse" ? taken.problem : "",
        /^role "app" is no longer held by this resource: PgAuditSetting "theirs" of stack shop\/prod .*took it over\. Fix: .*adopt: true here to take it back/,
    );
    const twice = decide([record("sibling", "shop/dev")], { previouslyOwned: true });
    assert.match(twice.kind === "refuse" ? twice.problem : "", /declared twice in this stack; remove it from one of the two/);
    assert.deepEqual(decide([record("theirs", "shop/prod")], { previouslyOwned: true, adopt: true }), { kind: "claim", evict: ["theirs"], handover: false });
});

test("delete RESETs only while nobody else holds the scope; refresh lets go of a scope held elsewhere", () => {
    assert.equal(mayRelease([], "me"), true, "no record (state of the previous version): as before");
    assert.equal(mayRelease([record("me", "shop/dev")], "me"), true);
    assert.equal(mayRelease([record("new", "shop/dev")], "me"), false, "the old half of a rename");
    assert.equal(mayRelease([record("new", "shop/dev")], undefined), false, "an old state's delete after the new one claimed it");
    assert.equal(mayRelease([], undefined), true);
    assert.equal(ownedElsewhere([], "me"), false);
    assert.equal(ownedElsewhere([record("me", "shop/dev")], "me"), false);
    assert.equal(ownedElsewhere([record("theirs", "shop/prod")], "me"), true);
    assert.equal(ownedElsewhere([record("theirs", "shop/prod")], undefined), true);
});

test("another server (host or port) replaces; a rotated password or an unknown connection does not", () => {
    const c = (host: string, port = 5432, password = "a") => ({ host, port, user: "avnadmin", password, database: "defaultdb", sslMode: "require" });
    assert.equal(serverChanged(c("pg-1.aivencloud.com"), c("pg-2.aivencloud.com")), true);
    assert.equal(serverChanged(c("pg-1"), c("pg-1", 5433)), true);
    assert.equal(serverChanged(c("PG-1"), c("pg-1", 5432, "rotated")), false);
    assert.equal(serverChanged(c("pg-1"), "04da6b54-80e4-46f7-96ec-b56ff0331ba9"), false);
});

test("a scope of another kind (object audit) is named by its own message text, under the same rules", () => {
    const objects = 'the object audit of role "auditor" in database "shop"';
    const theirs = { ...record("theirs", "shop/prod", 'PgAuditObjectAudit "y"'), scope: "objects/database/shop/role/auditor" };
    const refused = decideClaim({ scope: objects, records: [theirs], claimant: me, previouslyOwned: false, adopt: false });
    assert.match(
        refused.kind === "refuse" ? refused.problem : "",
        /^the object audit of role "auditor" in database "shop" is owned by PgAuditObjectAudit "y" of stack shop\/prod/,
    );
    const renamed = { ...theirs, ownerId: "old", stack: "shop/dev" };
    assert.deepEqual(decideClaim({ scope: objects, records: [renamed], claimant: me, previouslyOwned: false, adopt: false }), {
        kind: "claim",
        evict: ["old"],
        handover: true,
    });
});
