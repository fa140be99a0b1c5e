/**
 * PgAuditLogging's group scopes under Pulumi mocks: `groups` and `groupDatabases` reach its one
 * PgAuditScopes as the map check writes; bad input fails while the program runs, naming the field.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { PgAuditLogging, PgAuditLoggingError, type PgAuditLoggingArgs } from "../../components";
import { componentMocks, valueOf } from "../support/mocks";

const SCOPES_TYPE = "pulumi-nodejs:dynamic/pgaudit:PgAuditScopes";
const registrations = componentMocks();
const args = (extra: Partial<PgAuditLoggingArgs>): PgAuditLoggingArgs => ({
    project: "proj",
    service: { serviceName: "orders-pg", plan: "startup-4", pgVersion: "16" },
    ...extra,
});

test("groups and groupDatabases become the group scopes of the one PgAuditScopes, beside the other scopes", async () => {
    const c = new PgAuditLogging(
        "grp",
        args({
            roles: { alice: { log: ["all"] } },
            groups: { analysts: { log: ["read", "write"] }, 'o"dd': { log: "ddl" } },
            groupDatabases: [{ group: "contractors", database: "shop", settings: { log: ["read"], logRelation: true } }],
        }),
    );
    await valueOf(pulumi.all([c.urn, c.scopes!.urn]));
    const [reg] = registrations.filter((r) => r.name === "grp-scopes" && r.type === SCOPES_TYPE);
    assert.deepEqual(JSON.parse(reg.inputs.scopes as string), { "role/alice": "log=all" });
    assert.deepEqual(reg.inputs.groups, {
        "group/analysts": "log=read,write",
        [`group/${encodeURIComponent('o"dd')}`]: "log=ddl",
        "group/contractors/database/shop": "log=read; logRelation=true",
    });
    const none = new PgAuditLogging("grp-none", args({ roles: { a: { log: ["ddl"] } } }));
    await valueOf(pulumi.all([none.urn, none.scopes!.urn]));
    const [plain] = registrations.filter((r) => r.name === "grp-none-scopes");
    assert.equal("groups" in plain.inputs && plain.inputs.groups !== undefined, false, "no groups: the inputs keep their old shape");
});

test("bad group input fails at once, every problem named with its field and fix", () => {
    assert.throws(
        () =>
            new PgAuditLogging(
                "bad",
                args({
                    groups: { "": { log: ["read"] }, analysts: { logs: ["read"] } as never },
                    groupDatabases: [
                        { group: "a", database: "shop", settings: { log: ["read"] } },
                        { group: "a", database: "shop", settings: { log: ["ddl"] } },
                    ],
                }),
            ),
        (err: Error) => {
            assert.ok(err instanceof PgAuditLoggingError);
            assert.match(err.message, /groups\[""\]: must not be empty/);
            assert.match(err.message, /groups\["analysts"\]\.logs: write "log"/);
            assert.match(err.message, /groupDatabases\[1\]: declares group "a" in database "shop" again \(first at groupDatabases\[0\]\)/);
            return true;
        },
    );
    assert.throws(
        () => new PgAuditLogging("bad-shape", args({ groups: { analysts: { log: ["read"] } }, settingsResource: "PgAuditSetting" })),
        /groups: group scopes are held by PgAuditScopes/,
    );
});
