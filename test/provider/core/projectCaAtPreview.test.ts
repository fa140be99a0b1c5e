/**
 * The project CA is not read at `pulumi preview` (aiven.getProject sleeps 10 s in the Aiven
 * provider): PgAuditLogging passes PROJECT_CA_AT_UP instead. The diffs take it as "the CA in
 * state" and still see every other change of the connection; a session refuses it.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { PROJECT_CA_AT_UP, sameConnection } from "../../../model/connectionSpec";
import { tlsOptions } from "../../../provider/connection";
import { diffScopes } from "../../../provider/scopes/lifecycle";
import { diffInputs } from "../../../provider/setting/lifecycle";
import { diffExclusive } from "../../../provider/exclusive/lifecycle";
import { diffObjectAudit } from "../../../provider/objectAudit/provider";
import { without } from "../../support/without";

const CA = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
const old = { host: "pg.example", port: 5432, user: "avnadmin", password: "pw", database: "defaultdb", sslMode: "verify-full", caCert: CA };

test("a connection holding PROJECT_CA_AT_UP is the same as the one in state when nothing else differs", () => {
    assert.equal(sameConnection(old, { ...old, caCert: PROJECT_CA_AT_UP }), true);
    const scopes = { "role/app": "log=ddl" };
    assert.deepEqual(diffScopes({ connection: old, scopes }, { connection: { ...old, caCert: PROJECT_CA_AT_UP }, scopes }), {
        changes: false,
        changed: [],
        replaces: [],
    });
});

test("a connection holding PROJECT_CA_AT_UP still differs by its other fields; a real CA is compared as it is", () => {
    assert.equal(sameConnection(old, { ...old, caCert: PROJECT_CA_AT_UP, password: "rotated" }), false);
    assert.equal(sameConnection(old, { ...old, caCert: PROJECT_CA_AT_UP, host: "other.example" }), false);
    assert.equal(sameConnection(old, { ...old, caCert: CA.replace("MIIB", "MIIC") }), false, "at up the CA is read, and a new one is a change");
    const withoutCa = without(old, "caCert");
    assert.equal(sameConnection(withoutCa, { ...old, caCert: PROJECT_CA_AT_UP }), false, "no CA in state: nothing to stand for");
    const scopes = { "role/app": "log=ddl" };
    assert.deepEqual(diffScopes({ connection: old, scopes }, { connection: { ...old, caCert: PROJECT_CA_AT_UP, password: "rotated" }, scopes }).changed, [
        "connection",
    ]);
});

test("PgAuditSetting's, PgAuditExclusive's and PgAuditObjectAudit's diffs take the placeholder the same way", () => {
    const atPreview = { ...old, caCert: PROJECT_CA_AT_UP };
    const settings = { log: ["ddl"] };
    assert.deepEqual(diffInputs({ connection: old, role: "app", settings }, { connection: atPreview, role: "app", settings }).changed, []);
    assert.deepEqual(diffInputs({ connection: old, role: "app", settings }, { connection: { ...atPreview, user: "x" }, role: "app", settings }).changed, [
        "connection",
    ]);
    assert.deepEqual(
        diffExclusive({ connection: old }, { connection: atPreview }).changed.filter((c) => c === "connection"),
        [],
    );
    assert.deepEqual(
        diffExclusive({ connection: old }, { connection: { ...atPreview, port: 1 } }).changed.filter((c) => c === "connection"),
        ["connection"],
    );
    const objects: unknown[] = [];
    const oa = { database: "shop", auditRole: "auditor", objects };
    assert.deepEqual(
        diffObjectAudit({ ...oa, connection: old }, { ...oa, connection: atPreview }).changed.filter((c) => c === "connection"),
        [],
    );
    assert.deepEqual(
        diffObjectAudit({ ...oa, connection: old }, { ...oa, connection: { ...atPreview, host: "h" } }).changed.filter((c) => c === "connection"),
        ["connection"],
    );
});

test("a session never opens with the placeholder as its CA", () => {
    assert.throws(
        () => tlsOptions({ ...old, sslMode: "verify-full", caCert: PROJECT_CA_AT_UP }),
        /read at pulumi up \(not at preview\); got it outside a preview/,
    );
});
