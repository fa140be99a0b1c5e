/**
 * PgAuditScopes' group scopes (issue 23) the way `pulumi up` and `pulumi refresh` run them, over
 * gRPC to the SDK's own dynamic-provider host, against PostgreSQL + pgaudit as the non-superuser
 * avnadmin: members resolved recursively, NOLOGIN members skipped, an explicit declaration kept,
 * two groups merged (or refused), joiners and leavers found by refresh and converged by up, the
 * adopt rule at a member, and 1,000 members in one transaction (its time is in the bench).
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import { after, before, test } from "node:test";
import { PgAuditScopes, pgAuditScopesProvider, type PgAuditScopesArgs } from "../../../provider";
import { startCluster, type TestCluster } from "../../../sandbox/cluster";
import { EngineHarness, serializeUnderMocks } from "../../support/engineHarness";
import { catalogEntries, showAs } from "../../support/scopes";
import { destroy, refresh, SCOPES_TYPE, up, type Deployed } from "../../support/scopesStack";

let cluster: TestCluster;
let host: EngineHarness;

before(async () => {
    cluster = await startCluster({ settings: { log_statement: "all" } });
    await cluster.sql(`CREATE DATABASE shop OWNER avnadmin`);
    // Roles are avnadmin's, as aiven.PgUser makes them (16+: it holds ADMIN OPTION on them).
    await cluster.adminSql(
        `CREATE ROLE analysts NOLOGIN; CREATE ROLE contractors NOLOGIN; CREATE ROLE team_a NOLOGIN;
         CREATE ROLE alice LOGIN; CREATE ROLE bob LOGIN; CREATE ROLE carol LOGIN; CREATE ROLE dave LOGIN; CREATE ROLE eve LOGIN;
         CREATE ROLE "o'hara ""x""" LOGIN; CREATE ROLE reporting NOLOGIN;
         GRANT analysts TO alice, bob, "o'hara ""x""", team_a, reporting;
         GRANT team_a TO carol;
         GRANT contractors TO bob, eve`,
    );
    host = await EngineHarness.start();
    await host.configure();
});

after(async () => {
    await host?.close();
    await cluster?.stop();
});

const scopes = (name: string, args: Omit<PgAuditScopesArgs, "connection">) => () => new PgAuditScopes(name, { connection: cluster.adminUri(), ...args });
const upScopes = (name: string, args: Omit<PgAuditScopesArgs, "connection">, last?: Deployed) => up(host, SCOPES_TYPE, name, scopes(name, args), last);
const HOSTILE = `o'hara "x"`;
const key = (role: string) => `role/${encodeURIComponent(role)}`;

test("a group of 3 login members, one through a nested NOLOGIN group; NOLOGIN members skipped; a refresh with no change is no change", async () => {
    const declared = { scopes: [], groups: [{ group: "analysts", settings: { log: ["read", "write"] } }] };
    const created = await upScopes("three", declared);
    assert.deepEqual(created.outputs.groups, { "group/analysts": "log=read,write" });
    assert.deepEqual(created.outputs.members, {
        "group/analysts": {
            [key("alice")]: "log=read,write",
            [key("bob")]: "log=read,write",
            [key("carol")]: "log=read,write",
            [key(HOSTILE)]: "log=read,write",
        },
    });
    for (const role of ["alice", "bob", "carol", HOSTILE]) assert.deepEqual(await catalogEntries(cluster, { role }), ["pgaudit.log=read,write"], role);
    for (const role of ["team_a", "reporting", "analysts", "dave"])
        assert.deepEqual(await catalogEntries(cluster, { role }), [], `${role}: not a login member`);
    assert.equal(await showAs(cluster, "carol", "postgres"), "read,write", "a member through team_a gets it at login");

    const refreshed = await refresh(host, created);
    assert.deepEqual(refreshed.outputs.members, created.outputs.members);
    assert.deepEqual(refreshed.outputs.leavers, {});
    assert.equal((await upScopes("three", declared, refreshed)).step, "same");

    await destroy(host, created);
    for (const role of ["alice", "bob", "carol", HOSTILE]) assert.deepEqual(await catalogEntries(cluster, { role }), [], `${role} reset at delete`);
});

test("membership is state: a joiner, a leaver and a value changed by hand show at refresh (named in members/leavers) and the next up converges each", async () => {
    const declared = { scopes: [], groups: [{ group: "analysts", settings: { log: ["ddl"] } }] };
    const created = await upScopes("drift", declared);
    await cluster.adminSql(`GRANT analysts TO dave; REVOKE analysts FROM bob`);
    await cluster.sql(`ALTER ROLE alice SET pgaudit.log = 'none'`);

    const refreshed = await refresh(host, created);
    const members = (refreshed.outputs.members as Record<string, Record<string, string>>)["group/analysts"];
    assert.equal(members[key("dave")], "", "the joiner holds nothing yet");
    assert.equal(members[key("alice")], "log=none", "the hand-made change");
    assert.equal(members[key("bob")], undefined, "the leaver is no member");
    assert.deepEqual(refreshed.outputs.leavers, { "group/analysts": { [key("bob")]: "log=ddl" } }, "… but still holds the group's settings");
    assert.deepEqual(refreshed.inputs.leavers, refreshed.outputs.leavers, "refresh keeps it in the inputs, so preview --diff shows its removal");

    // check carries the known members at the value they should hold: the diff names each change.
    const checked = await host.check(refreshed.urn, refreshed.inputs, await serializeUnderMocks(scopes("drift", declared)));
    const carried = (checked.inputs.members as Record<string, Record<string, string>>)["group/analysts"];
    assert.equal(carried[key("dave")], "log=ddl");
    assert.equal(carried[key("alice")], "log=ddl");
    assert.equal(checked.inputs.leavers, undefined);

    const converged = await upScopes("drift", declared, refreshed);
    assert.equal(converged.step, "update");
    assert.deepEqual(await catalogEntries(cluster, { role: "dave" }), ["pgaudit.log=ddl"]);
    assert.deepEqual(await catalogEntries(cluster, { role: "alice" }), ["pgaudit.log=ddl"]);
    assert.deepEqual(await catalogEntries(cluster, { role: "bob" }), [], "the leaver's settings are reset");
    assert.equal((await upScopes("drift", declared, await refresh(host, converged))).step, "same", "converged");

    await cluster.adminSql(`GRANT analysts TO bob; REVOKE analysts FROM dave`);
    await destroy(host, converged);
    for (const role of ["alice", "carol", "dave"]) assert.deepEqual(await catalogEntries(cluster, { role }), [], `${role} reset at delete`);
});

test("precedence: a member declared on its own keeps it; two groups give the union of classes; other settings that disagree stop the apply", async () => {
    const declared = {
        scopes: [{ role: "alice", settings: { log: ["all"] } }],
        groups: [
            { group: "analysts", settings: { log: ["read"] } },
            { group: "contractors", settings: { log: ["write", "ddl"], logRelation: true } },
        ],
    };
    const created = await upScopes("both", declared);
    assert.deepEqual(await catalogEntries(cluster, { role: "alice" }), ["pgaudit.log=all"], "her own declaration wins");
    assert.deepEqual(await catalogEntries(cluster, { role: "bob" }), ["pgaudit.log=read,write,ddl", "pgaudit.log_relation=on"], "in both groups: the union");
    assert.deepEqual(await catalogEntries(cluster, { role: "eve" }), ["pgaudit.log=write,ddl", "pgaudit.log_relation=on"]);
    assert.deepEqual(await catalogEntries(cluster, { role: "carol" }), ["pgaudit.log=read"]);
    const members = created.outputs.members as Record<string, Record<string, string>>;
    assert.equal(members["group/analysts"][key("alice")], undefined, "alice is not the group's");
    assert.equal(members["group/analysts"][key("bob")], "log=read,write,ddl; logRelation=true");
    assert.equal(members["group/contractors"][key("bob")], "log=read,write,ddl; logRelation=true");

    const before = JSON.stringify(await cluster.sql(`SELECT setrole, setconfig FROM pg_db_role_setting ORDER BY 1`));
    const clash = { ...declared, groups: [{ group: "analysts", settings: { log: ["read"], logRelation: false } }, declared.groups[1]] };
    await assert.rejects(upScopes("both", clash, created), (err: Error) => {
        assert.match(err.message, /changed nothing/);
        assert.match(err.message, /role "bob" is a member of group "analysts" and of group "contractors"/);
        assert.match(err.message, /different pgaudit\.log_relation/);
        assert.match(err.message, /Fix: give both groups the same settings\.logRelation/);
        return true;
    });
    assert.equal(JSON.stringify(await cluster.sql(`SELECT setrole, setconfig FROM pg_db_role_setting ORDER BY 1`)), before, "nothing written");

    // Alice's own declaration removed: the group takes her scope over (no adopt needed: this resource wrote it).
    const handed = await upScopes("both", { ...declared, scopes: [] }, created);
    assert.deepEqual(await catalogEntries(cluster, { role: "alice" }), ["pgaudit.log=read"]);
    await destroy(host, handed);
    for (const role of ["alice", "bob", "carol", "eve"]) assert.deepEqual(await catalogEntries(cluster, { role }), [], `${role} reset at delete`);
});

test("a group in a database writes role-in-database scopes; a member's existing foreign value follows adopt; a missing group is refused", async () => {
    await cluster.sql(`ALTER ROLE carol IN DATABASE shop SET pgaudit.log = 'misc'`);
    const declared = { scopes: [], groups: [{ group: "analysts", database: "shop", settings: { log: ["read"] } }] };
    await assert.rejects(upScopes("indb", declared), (err: Error) => {
        assert.match(err.message, /role "carol" in database "shop" already holds pgaudit\.log = 'misc'/);
        assert.match(err.message, /set adopt: true/);
        return true;
    });
    assert.deepEqual(await catalogEntries(cluster, { role: "alice", database: "shop" }), [], "nothing written");
    const created = await upScopes("indb", { ...declared, adopt: true });
    assert.deepEqual(Object.keys((created.outputs.members as Record<string, Record<string, string>>)["group/analysts/database/shop"]).sort(), [
        "role/alice/database/shop",
        "role/bob/database/shop",
        "role/carol/database/shop",
        `${key(HOSTILE)}/database/shop`,
    ]);
    assert.deepEqual(await catalogEntries(cluster, { role: "carol", database: "shop" }), ["pgaudit.log=read"]);
    assert.deepEqual(await catalogEntries(cluster, { role: "carol" }), [], "the role scope is not touched");

    await assert.rejects(
        upScopes("nogroup", { scopes: [], groups: [{ group: "Analysts", settings: { log: ["read"] } }] }),
        /role "Analysts" does not exist; create it first/,
    );
    await destroy(host, created);
    assert.deepEqual(await catalogEntries(cluster, { role: "carol", database: "shop" }), []);
});

test("check names the field and the fix for bad group input", async () => {
    const result = await pgAuditScopesProvider.check!(
        {},
        {
            connection: cluster.adminUri(),
            scopes: [],
            groups: [
                { group: "", settings: { log: ["reed"] } },
                { group: "analysts", role: "x", settings: { log: ["read"] } },
                { group: "a", settings: { log: ["read"] } },
                { group: "a", settings: { log: ["ddl"] } },
            ],
        },
    );
    const failures = (result.failures ?? []).map((f) => `${f.property}: ${f.reason}`).join("\n");
    assert.match(failures, /groups\[0\]\.group: must not be empty/);
    assert.match(failures, /groups\[0\]\.settings\.log\[0\]/);
    assert.match(failures, /groups\[1\]\.role: is not a known property; expected one of group, database, settings/);
    assert.match(failures, /groups\[3\]: declares the members of group "a" again \(first at groups\[2\]\)/);
});

test("1,000 members: resolved and written in one transaction (one batch of ALTERs); timing is in the bench", async () => {
    const roles = Array.from({ length: 1000 }, (_, i) => `m${i}`);
    await cluster.adminSql(`CREATE ROLE big NOLOGIN; ${roles.map((r) => `CREATE ROLE ${r} LOGIN;`).join(" ")} GRANT big TO ${roles.join(", ")}`);
    const offset = cluster.logOffset();
    const created = await upScopes("big", { scopes: [], groups: [{ group: "big", settings: { log: ["ddl"] } }] });
    assert.equal(Object.keys((created.outputs.members as Record<string, Record<string, string>>)["group/big"]).length, 1000);
    const log = fs.readFileSync(cluster.logFile).subarray(offset).toString("utf8");
    assert.equal((log.match(/statement: BEGIN/g) ?? []).length, 1, "one transaction");
    const batches = log.split("\n").filter((l) => /LOG:\s+statement: ALTER ROLE/.test(l));
    assert.equal(batches.length, 1, "every ALTER in one statement batch, with the COMMIT");
    const rows = await cluster.sql<{ n: string }>(
        `SELECT count(*) AS n FROM pg_db_role_setting s JOIN pg_roles r ON r.oid = s.setrole WHERE r.rolname ~ '^m[0-9]+$' AND 'pgaudit.log=ddl' = ANY(s.setconfig)`,
    );
    assert.equal(Number(rows[0].n), 1000);
    await destroy(host, created);
});

test("exclusive keeps group members as declared; another resource's explicit scope wins; another stack's group scope is refused unless adopt; a superuser member is refused", async () => {
    await cluster.adminSql(`CREATE ROLE crew NOLOGIN; CREATE ROLE gus LOGIN; CREATE ROLE hal LOGIN; CREATE ROLE ivy LOGIN; GRANT crew TO gus, hal, ivy`);
    await cluster.sql(`ALTER ROLE ivy SET pgaudit.log = 'none'`); // an undeclared override exclusive mode resets, unless a group covers it
    // hal is declared on its own by another resource of the stack: the group leaves him alone.
    const own = await upScopes("hal-own", { scopes: [{ role: "hal", settings: { log: ["all"] } }] });
    const declared = { scopes: [], exclusive: true, adopt: true, groups: [{ group: "crew", settings: { log: ["role"] } }] };
    const created = await upScopes("crew", declared);
    assert.deepEqual(await catalogEntries(cluster, { role: "gus" }), ["pgaudit.log=role"]);
    assert.deepEqual(await catalogEntries(cluster, { role: "ivy" }), ["pgaudit.log=role"], "adopted by the group, not reset as undeclared");
    assert.deepEqual(await catalogEntries(cluster, { role: "hal" }), ["pgaudit.log=all"], "held by another resource on its own");
    assert.deepEqual(Object.keys((created.outputs.members as Record<string, Record<string, string>>)["group/crew"]).sort(), ["role/gus", "role/ivy"]);
    const refreshed = await refresh(host, created);
    const undeclared = refreshed.outputs.undeclared as { role?: string }[];
    assert.deepEqual(
        undeclared.filter((o) => ["gus", "ivy", "hal"].includes(o.role ?? "")),
        [],
        "members are declared, not undeclared",
    );

    // Another stack declaring the same group: refused, naming the holder and the fix.
    const other = await pgAuditScopesProvider.check!(
        {},
        {
            connection: cluster.adminUri(),
            scopes: [],
            groups: [{ group: "crew", settings: { log: ["ddl"] } }],
            owner: { stack: "proj/other", resource: 'PgAuditScopes "theirs"' },
        },
    );
    await assert.rejects(pgAuditScopesProvider.create(other.inputs), (err: Error) => {
        assert.match(err.message, /the members of group "crew" is owned by PgAuditScopes "crew", the members of group "crew" of stack/);
        assert.match(err.message, /two stacks must not declare one scope/);
        return true;
    });
    assert.deepEqual(await catalogEntries(cluster, { role: "gus" }), ["pgaudit.log=role"], "nothing written");

    await cluster.sql(`CREATE ROLE root_x SUPERUSER LOGIN; GRANT crew TO root_x`);
    // Without a refresh the engine's diff cannot know the membership changed: `up --refresh` (or refresh, then up) applies it.
    assert.equal((await upScopes("crew", declared, refreshed)).step, "same");
    await assert.rejects(upScopes("crew", declared, await refresh(host, refreshed)), /role "root_x" \(a member of group "crew"\) is a superuser/);
    await cluster.sql(`DROP ROLE root_x`);
    await destroy(host, created);
    await destroy(host, own);
    for (const role of ["gus", "hal", "ivy"]) assert.deepEqual(await catalogEntries(cluster, { role }), [], `${role} reset at delete`);
});

test("a rename (new resource, then the old one's delete) keeps every member's settings: the new group scope takes them over", async () => {
    await cluster.adminSql(`CREATE ROLE movers NOLOGIN; CREATE ROLE kim LOGIN; CREATE ROLE lee LOGIN; GRANT movers TO kim, lee`);
    const declared = { scopes: [], groups: [{ group: "movers", settings: { log: ["write"] } }] };
    const old = await upScopes("mv-old", declared);
    // The engine creates the renamed resource first (same stack: no adopt needed), then deletes the old one.
    const renamed = await upScopes("mv-new", declared);
    await destroy(host, old);
    for (const role of ["kim", "lee"]) assert.deepEqual(await catalogEntries(cluster, { role }), ["pgaudit.log=write"], `${role} kept`);
    const refreshed = await refresh(host, renamed);
    assert.deepEqual(Object.keys((refreshed.outputs.members as Record<string, Record<string, string>>)["group/movers"]).sort(), ["role/kim", "role/lee"]);
    assert.deepEqual(refreshed.outputs.leavers, {});
    await destroy(host, renamed);
    for (const role of ["kim", "lee"]) assert.deepEqual(await catalogEntries(cluster, { role }), [], `${role} reset at the last delete`);
});

test("INHERIT does not matter: a NOINHERIT member is a member; on 16+ an ADMIN-only grant (neither INHERIT nor SET) is not", async () => {
    await cluster.adminSql(`CREATE ROLE squad NOLOGIN; CREATE ROLE nia LOGIN NOINHERIT; CREATE ROLE oli LOGIN; GRANT squad TO nia`);
    const [{ v }] = await cluster.sql<{ v: number }>(`SELECT current_setting('server_version_num')::int AS v`);
    const expected = ["role/nia"];
    if (v >= 160000) {
        // As PostgreSQL grants the creating CREATEROLE role (avnadmin here) its own roles; and INHERIT FALSE alone still counts.
        await cluster.adminSql(`CREATE ROLE pat LOGIN`);
        await cluster.sql(`GRANT squad TO oli WITH ADMIN TRUE, INHERIT FALSE, SET FALSE; GRANT squad TO pat WITH INHERIT FALSE`);
        expected.push("role/pat");
    }
    const created = await upScopes("squad", { scopes: [], groups: [{ group: "squad", settings: { log: ["misc"] } }] });
    assert.deepEqual(Object.keys((created.outputs.members as Record<string, Record<string, string>>)["group/squad"]).sort(), expected);
    assert.deepEqual(await catalogEntries(cluster, { role: "avnadmin" }), [], "the creating role is never a member");
    assert.deepEqual(await catalogEntries(cluster, { role: "oli" }), []);
    await destroy(host, created);
});
