/**
 * The `__provider` budget. PgAuditSetting's serialized provider is stored in the inputs and the
 * outputs of every resource's state, and Pulumi runs delete and refresh with the copy kept there.
 * So it must be small (at most 2 KB) and hold no implementation: its methods load the package by
 * name when they run, which keeps the size independent of the provider's code and lets a fixed
 * release reach resources already deployed.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { PgAuditExclusive, PgAuditSetting } from "../../../provider";
import { EngineHarness, serializeUnderMocks, urnFor, type Props } from "../../support/engineHarness";

/** The budget the README states. */
const PROVIDER_BUDGET_BYTES = 2048;
const SECRET = "budget-secret-Zq81";

async function providerOf(construct: () => PgAuditSetting): Promise<{ provider: string; inputs: Props }> {
    const inputs = await serializeUnderMocks(construct);
    assert.equal(typeof inputs.__provider, "string");
    return { provider: inputs.__provider as string, inputs };
}

test(`the serialized __provider of PgAuditSetting is at most ${PROVIDER_BUDGET_BYTES} bytes, the same for every resource, and captures no input`, async () => {
    const a = await providerOf(
        () =>
            new PgAuditSetting("size-a", {
                connection: `postgresql://avnadmin:${SECRET}@db.example:5432/defaultdb`,
                database: "shop",
                settings: { log: ["ddl"] },
            }),
    );
    const b = await providerOf(
        () =>
            new PgAuditSetting("size-b", {
                connection: { host: "other.example", port: 6543, user: "u", password: SECRET, database: "d", sslMode: "require" },
                role: "app",
                database: "shop",
                settings: { log: "read, write", logRelation: true, logLevel: "notice" },
                adopt: true,
                connectDeadlineSeconds: 5,
            }),
    );
    const size = Buffer.byteLength(a.provider, "utf8");
    assert.ok(size <= PROVIDER_BUDGET_BYTES, `__provider is ${size} bytes, over the ${PROVIDER_BUDGET_BYTES}-byte budget:\n${a.provider}`);
    assert.equal(b.provider, a.provider, "__provider does not depend on the resource's arguments");
    assert.ok(!a.provider.includes(SECRET) && !a.provider.includes("shop"), "no input is captured in __provider");
    assert.equal(a.inputs.connection, `postgresql://avnadmin:${SECRET}@db.example:5432/defaultdb`, "the connection is an input, not code");
});

test("__provider drags no module along: its only require is the package's provider entry point", async () => {
    const { provider } = await providerOf(() => new PgAuditSetting("size-c", { connection: "postgresql://u:p@h/d", role: "r", settings: { log: ["none"] } }));
    const requires = [...provider.matchAll(/require\(([^)]*)\)/g)].map((m) => m[1]);
    assert.ok(requires.length > 0, `__provider loads the implementation by name:\n${provider}`);
    assert.deepEqual([...new Set(requires)], [`"pulumi-aiven-pgaudit/provider"`], provider);
});

/**
 * A project directory whose `pulumi-aiven-pgaudit/provider` is a stub recording each call in
 * calls.log: what the host runs is whatever the installed package provides, not code from state.
 */
function stubProject(): { dir: string; install(version: string): void; calls(): string[] } {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pgaudit-stub-"));
    const pkg = path.join(dir, "node_modules", "pulumi-aiven-pgaudit");
    fs.mkdirSync(pkg, { recursive: true });
    fs.writeFileSync(path.join(pkg, "package.json"), JSON.stringify({ name: "pulumi-aiven-pgaudit", exports: { "./provider": "./provider.js" } }));
    const log = path.join(dir, "calls.log");
    return {
        dir,
        install(version) {
            fs.writeFileSync(
                path.join(pkg, "provider.js"),
                `const fs = require("fs");
const seen = (method, args) => { fs.appendFileSync(${JSON.stringify(log)}, ${JSON.stringify(version)} + " " + method + " " + JSON.stringify(args.map((a) => typeof a === "string" ? a : Object.keys(a).sort().join("+"))) + "\\n"); return ${JSON.stringify(version)}; };
exports.pgAuditSettingProvider = {
    async check(olds, news) { return { inputs: { ...news, checkedBy: seen("check", [olds, news]) } }; },
    async diff(id, olds, news) { seen("diff", [id, olds, news]); return { changes: true, replaces: ["role"] }; },
    async create(inputs) { return { id: "stub-id", outs: { ...inputs, createdBy: seen("create", [inputs]) } }; },
    async read(id, props) { return { id, props: { ...props, readBy: seen("read", [id, props]) } }; },
    async update(id, olds, news) { return { outs: { ...news, updatedBy: seen("update", [id, olds, news]) } }; },
    async delete(id, props) { seen("delete", [id, props]); },
};
`,
            );
        },
        calls: () => (fs.existsSync(log) ? fs.readFileSync(log, "utf8").trim().split("\n") : []),
    };
}

test("__provider holds no implementation: the host runs the installed package's, so a fixed release reaches deployed state", async () => {
    const { inputs } = await providerOf(() => new PgAuditSetting("stubbed", { connection: "postgresql://u:p@h/d", role: "app", settings: { log: ["ddl"] } }));
    const project = stubProject();
    const urn = urnFor("stubbed");
    try {
        project.install("v1");
        let state: Props;
        const v1 = await EngineHarness.start({ cwd: project.dir });
        try {
            await v1.configure();
            const checked = await v1.check(urn, {}, inputs);
            assert.equal(checked.inputs.checkedBy, "v1");
            const created = await v1.create(urn, checked.inputs);
            assert.equal(created.id, "stub-id");
            assert.equal(created.properties.createdBy, "v1");
            assert.equal(created.properties.__provider, inputs.__provider, "state keeps the same __provider");
            assert.deepEqual((await v1.diff(urn, created.id, created.properties, checked.inputs)).replaces, ["role"]);
            const read = await v1.read(urn, created.id, created.properties);
            assert.equal(read.properties.readBy, "v1");
            state = (await v1.update(urn, created.id, read.properties, checked.inputs)).properties;
            assert.equal(state.updatedBy, "v1");
        } finally {
            await v1.close();
        }
        // A new release of the package is installed; the state (and its __provider) is unchanged.
        project.install("v2");
        const v2 = await EngineHarness.start({ cwd: project.dir });
        try {
            await v2.configure();
            await v2.delete(urn, "stub-id", state);
        } finally {
            await v2.close();
        }
        // Each method reached the method of the same name, with the arguments the engine sent.
        assert.deepEqual(project.calls(), [
            `v1 check ["","__provider+connection+owner+role+settings"]`,
            `v1 create ["__provider+checkedBy+connection+owner+role+settings"]`,
            `v1 diff ["stub-id","__provider+checkedBy+connection+createdBy+owner+role+settings","__provider+checkedBy+connection+owner+role+settings"]`,
            `v1 read ["stub-id","__provider+checkedBy+connection+createdBy+owner+role+settings"]`,
            `v1 update ["stub-id","__provider+checkedBy+connection+createdBy+owner+readBy+role+settings","__provider+checkedBy+connection+owner+role+settings"]`,
            `v2 delete ["stub-id","__provider+checkedBy+connection+owner+role+settings+updatedBy"]`,
        ]);
    } finally {
        fs.rmSync(project.dir, { recursive: true, force: true });
    }
});

test("N resources of a type serialize their provider once: one provider object per type", async () => {
    // The SDK caches the serialized __provider per provider object; count what reaches the serializer.
    const closure = (await import("@pulumi/pulumi/runtime/closure/serializeClosure")) as { serializeFunction: (...a: unknown[]) => Promise<unknown> };
    const original = closure.serializeFunction;
    let calls = 0;
    closure.serializeFunction = (...a: unknown[]) => {
        calls++;
        return original(...a);
    };
    try {
        const resources = Array.from(
            { length: 25 },
            (_, i) => new PgAuditSetting(`once-${i}`, { connection: "postgresql://u:p@h/d", role: `r${i}`, settings: { log: ["ddl"] } }),
        );
        const exclusive = Array.from(
            { length: 5 },
            (_, i) => new PgAuditExclusive(`once-x${i}`, { connection: "postgresql://u:p@h/d", declaredScopes: [{ role: `r${i}` }] }),
        );
        await Promise.all([...resources, ...exclusive].map((r) => new Promise((resolve) => r.urn.apply(resolve))));
    } finally {
        closure.serializeFunction = original;
    }
    assert.ok(calls <= 2, `serializeFunction ran ${calls} times for 25 PgAuditSetting and 5 PgAuditExclusive`);
    assert.ok(calls >= 1, "the counter saw the serializer at all (else this test proves nothing)");
});
