import { test } from "node:test";
import assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { EngineHarness, UNKNOWN, serializeUnderMocks, unwrapSecrets, urnFor } from "../support/engineHarness";

/** What an echo resource holds: its inputs (`fail` makes diff or create fail with that text). */
interface EchoState {
    readonly name: string;
    readonly value?: string;
    readonly fail?: string;
}

// Plain functions in an object literal: the closure serializer captures them by value, and the
// one `require` runs inside the host, resolving from its cwd (the repo root).
const echoProvider: pulumi.dynamic.ResourceProvider<EchoState, EchoState> = {
    check(_olds, news) {
        if (typeof news.name !== "string" || news.name === "") {
            return Promise.resolve({ inputs: news, failures: [{ property: "name", reason: "name is required" }] });
        }
        return Promise.resolve({ inputs: news });
    },
    diff(_id, olds, news) {
        if (news.fail) return Promise.reject(new Error(`diff failed: ${news.fail}`));
        const renamed = olds.name !== news.name;
        return Promise.resolve({ changes: renamed || olds.value !== news.value, replaces: renamed ? ["name"] : [] });
    },
    async create(inputs) {
        if (inputs.fail) throw new Error(`create failed: ${inputs.fail}`);
        // eslint-disable-next-line @typescript-eslint/no-require-imports -- resolved in the host at run time, not captured by the closure serializer
        const log = (require("@pulumi/pulumi") as typeof pulumi).log;
        await log.info(`echo create ${inputs.name}`);
        return { id: `echo-${inputs.name}`, outs: inputs };
    },
    read: (id, props) => Promise.resolve({ id, props }),
    update: (_id, _olds, news) => Promise.resolve({ outs: news }),
    delete: () => Promise.resolve(),
};

interface EchoArgs {
    name?: pulumi.Input<string>;
    value?: pulumi.Input<string>;
}

class EchoResource extends pulumi.dynamic.Resource {
    constructor(name: string, args: EchoArgs) {
        super(echoProvider, name, { ...args }, undefined, "echo", "EchoResource");
    }
}

const ECHO_TYPE = "pulumi-nodejs:dynamic/echo:EchoResource";
const SECRET = "s3cret-value-do-not-log";

test("unwrapSecrets replaces secret wrappers recursively", () => {
    const wrap = (value: unknown) => ({ "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", value });
    assert.deepEqual(unwrapSecrets({ a: wrap("x"), b: [wrap({ c: wrap(1) })], d: null }), { a: "x", b: [{ c: 1 }], d: null });
});

test("engine harness drives the real dynamic-provider host", async () => {
    const inputs = await serializeUnderMocks(() => new EchoResource("e1", { name: "alpha", value: pulumi.secret(SECRET) }));
    assert.equal(typeof inputs.__provider, "string");
    assert.equal(inputs.name, "alpha");
    assert.equal(inputs.value, SECRET);

    const h = await EngineHarness.start();
    const urn = urnFor("e1", ECHO_TYPE);
    try {
        assert.ok(h.pid > 0);
        assert.ok(h.startupMs > 0);
        assert.equal(await h.configure(), false);

        const bad = await h.check(urn, {}, { __provider: inputs.__provider, value: "x" });
        assert.deepEqual(bad.failures, [{ property: "name", reason: "name is required" }]);
        const good = await h.check(urn, {}, inputs);
        assert.deepEqual(good, { inputs, failures: [] });

        // Secrets go over the wire unwrapped; preview unknowns are a plain sentinel string.
        const wrapped = { "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", value: "w" };
        const preview = await h.check(urn, {}, { ...inputs, value: wrapped, later: UNKNOWN });
        assert.equal(preview.inputs.value, "w");
        assert.equal(preview.inputs.later, UNKNOWN);

        const created = await h.create(urn, inputs);
        assert.deepEqual(created, { id: "echo-alpha", properties: inputs });
        assert.ok(
            h.logs.some((l) => l.severity === "info" && l.message === "echo create alpha"),
            JSON.stringify(h.logs),
        );

        assert.deepEqual(await h.diff(urn, created.id, created.properties, inputs), {
            changes: "none",
            replaces: [],
            deleteBeforeReplace: false,
        });
        assert.deepEqual(await h.diff(urn, created.id, created.properties, { ...inputs, name: "beta" }), {
            changes: "some",
            replaces: ["name"],
            deleteBeforeReplace: false,
        });
        assert.deepEqual((await h.diff(urn, created.id, created.properties, { ...inputs, value: "v2" })).replaces, []);

        const read = await h.read(urn, created.id, created.properties, inputs);
        assert.deepEqual(read, { id: "echo-alpha", properties: inputs });

        const updated = await h.update(urn, created.id, created.properties, { ...inputs, value: "v2" });
        assert.deepEqual(updated.properties, { ...inputs, value: "v2" });

        await h.delete(urn, created.id, updated.properties, inputs);

        // A thrown Error's message is the gRPC status details, i.e. what `pulumi up` shows.
        await assert.rejects(h.create(urnFor("bad", ECHO_TYPE), { ...inputs, fail: "boom" }), { message: "create failed: boom" });
        await assert.rejects(h.diff(urn, created.id, created.properties, { ...inputs, fail: "bang" }), { message: "diff failed: bang" });

        assert.deepEqual(h.calls, { configure: 1, check: 3, diff: 4, create: 2, read: 1, update: 1, delete: 1 });
        assert.ok(h.logs.every((l) => !l.message.includes(SECRET)));
    } finally {
        await h.close();
    }
    assert.throws(() => process.kill(h.pid, 0), { code: "ESRCH" });
    // stderr is complete only after close(). check/diff/read/delete failures are printed there with
    // their stack (create/update failures are not).
    assert.match(h.stderr, /diff failed: bang/);
    assert.doesNotMatch(h.stderr, /create failed: boom/);
    assert.ok(!h.stderr.includes(SECRET) && !h.stdout.includes(SECRET));
});
