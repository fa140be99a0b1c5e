/**
 * `pulumi preview` through the SDK's dynamic-provider host with the database stopped: the engine
 * sends only Check and Diff (the host does not advertise preview support, so no preview Create or
 * Update), some values unknown. They must succeed and must not open a connection. The host is a
 * separate process, so connection attempts are counted at the socket level: once the server is
 * stopped, a TCP listener on its port counts every socket the host opens there.
 */
import assert from "node:assert/strict";
import net from "node:net";
import { after, before, test } from "node:test";
import { PgAuditSetting, type PgAuditSettingArgs } from "../../../provider";
import { startCluster, type TestCluster } from "../../../sandbox/cluster";
import { EngineHarness, UNKNOWN, serializeUnderMocks, urnFor, type Props } from "../../support/engineHarness";

let cluster: TestCluster;
let port: number;
/** What the first `pulumi up` left in state, per resource name. */
const state = new Map<string, { id: string; inputs: Props; outputs: Props }>();

function declare(name: string, args: PgAuditSettingArgs): Promise<Props> {
    return serializeUnderMocks(() => new PgAuditSetting(name, args));
}

const program = (connection: PgAuditSettingArgs["connection"]): [string, PgAuditSettingArgs][] => [
    ["pv-db", { connection, database: "shop", settings: { log: ["ddl", "role"] } }],
    ["pv-role", { connection, role: "app", settings: { log: ["write"] } }],
    ["pv-app-in-shop", { connection, role: "app", database: "shop", settings: { log: ["read", "write"], logRelation: true } }],
];

before(async () => {
    cluster = await startCluster();
    port = cluster.port;
    await cluster.sql(`CREATE DATABASE shop OWNER avnadmin`);
    await cluster.adminSql(`CREATE ROLE app LOGIN`);
    // `pulumi up` once, so that there is state to preview against.
    const h = await EngineHarness.start();
    try {
        await h.configure();
        for (const [name, args] of program(cluster.adminUri())) {
            const urn = urnFor(name);
            const checked = await h.check(urn, {}, await declare(name, args));
            assert.deepEqual(checked.failures, []);
            const created = await h.create(urn, checked.inputs);
            state.set(name, { id: created.id, inputs: checked.inputs, outputs: created.properties });
        }
    } finally {
        await h.close();
    }
    await cluster.stop();
});

after(async () => {
    await cluster?.stop();
});

/** A listener on the stopped server's port that counts (and drops) every connection made to it. */
async function countConnections(): Promise<{ readonly count: number; close(): Promise<void> }> {
    let count = 0;
    const sockets = new Set<net.Socket>();
    const server = net.createServer((socket) => {
        count++;
        sockets.add(socket);
        socket.destroy();
    });
    await new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        server.listen(port, "127.0.0.1", () => resolve());
    });
    return {
        get count() {
            return count;
        },
        close: () => new Promise<void>((resolve) => server.close(() => resolve())),
    };
}

test("a preview with the database stopped succeeds through the host and opens no connection", async () => {
    const counter = await countConnections();
    const h = await EngineHarness.start();
    try {
        await h.configure();
        const connection = `postgresql://avnadmin:${encodeURIComponent(cluster.admin.password)}@127.0.0.1:${port}/postgres?sslmode=disable`;

        // Unchanged program: no changes.
        for (const [name, args] of program(connection)) {
            const urn = urnFor(name);
            const old = state.get(name)!;
            const checked = await h.check(urn, old.inputs, await declare(name, args));
            assert.deepEqual(checked.failures, [], name);
            assert.equal((await h.diff(urn, old.id, old.outputs, checked.inputs)).changes, "none", name);
        }

        // Changed settings: an update; a changed scope: a replacement.
        const db = state.get("pv-db")!;
        const changed = await h.check(
            urnFor("pv-db"),
            db.inputs,
            await declare("pv-db", { connection, database: "shop", settings: { log: ["all", "-misc"] } }),
        );
        assert.deepEqual(await h.diff(urnFor("pv-db"), db.id, db.outputs, changed.inputs), { changes: "some", replaces: [], deleteBeforeReplace: false });
        const role = state.get("pv-role")!;
        const moved = await h.check(urnFor("pv-role"), role.inputs, await declare("pv-role", { connection, role: "app2", settings: { log: ["write"] } }));
        assert.deepEqual((await h.diff(urnFor("pv-role"), role.id, role.outputs, moved.inputs)).replaces, ["role"]);

        // Values that depend on resources not created yet arrive as the engine's unknown sentinel.
        const declared = await declare("pv-role", { connection, role: "app", settings: { log: ["write"] } });
        const unknownConn = await h.check(urnFor("pv-role"), role.inputs, { ...declared, connection: UNKNOWN });
        assert.deepEqual(unknownConn.failures, []);
        assert.equal(unknownConn.inputs.connection, UNKNOWN);
        assert.deepEqual(await h.diff(urnFor("pv-role"), role.id, role.outputs, unknownConn.inputs), {
            changes: "some",
            replaces: [],
            deleteBeforeReplace: false,
        });
        const unknownLog = await h.check(urnFor("pv-role"), role.inputs, { ...declared, settings: { log: UNKNOWN } });
        assert.deepEqual(unknownLog.failures, []);
        assert.equal((await h.diff(urnFor("pv-role"), role.id, role.outputs, unknownLog.inputs)).changes, "some");
        const unknownRole = await h.check(urnFor("pv-role"), role.inputs, { ...declared, role: UNKNOWN });
        assert.deepEqual((await h.diff(urnFor("pv-role"), role.id, role.outputs, unknownRole.inputs)).replaces, ["role"]);
        // A new resource (no state: check only), everything it depends on unknown.
        const fresh = await declare("pv-new", { connection, role: "app", database: "shop", settings: { log: ["ddl"] } });
        const newChecked = await h.check(urnFor("pv-new"), {}, { ...fresh, connection: UNKNOWN, database: UNKNOWN });
        assert.deepEqual(newChecked.failures, []);
        // A mistake is still caught at preview, next to unknowns.
        const wrong = await h.check(urnFor("pv-new"), {}, { ...fresh, connection: UNKNOWN, settings: { log: ["dll"] } });
        assert.equal(wrong.failures.length, 1, JSON.stringify(wrong.failures));
        assert.match(wrong.failures[0].property, /^settings\.log/);

        assert.deepEqual({ ...h.calls }, { configure: 1, check: 10, diff: 8, create: 0, read: 0, update: 0, delete: 0 });
        assert.equal(counter.count, 0, "the preview opened a connection");

        // Control: an operation that does need the server reaches the counter (so the count above means something).
        await assert.rejects(h.read(urnFor("pv-db"), db.id, { ...db.outputs, connection, connectDeadlineSeconds: 1 }), /could not connect/);
        assert.ok(counter.count > 0, "the counter sees the host's connection attempts");
    } finally {
        await h.close();
        await counter.close();
    }
    assert.ok(!h.stderr.includes(cluster.admin.password) && !JSON.stringify(h.logs).includes(cluster.admin.password));
});
