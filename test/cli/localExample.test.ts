// examples/local (four scopes and one audited table) through the real `pulumi` CLI, in a user's project that installed the package
// from its tarball: up, preview --expect-no-changes, drift made by hand found by refresh and put
// back by up, a program change (update and delete), destroy. Each step is checked in the catalog
// and by the AUDIT lines new sessions write. Also: preview never connects, and the password is
// nowhere but where --show-secrets puts it.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import net from "node:net";
import { startCluster, type TestCluster } from "../../sandbox/cluster";
import { createLocalExampleObjects, localExampleProject, type LocalExampleProject } from "../../sandbox/localExample";
import type { CliRun } from "../../sandbox/pulumiCli";
import { auditLinesOf, pgauditCatalog } from "../support/scopes";

const STACK = "dev";
let cluster: TestCluster;
let local: LocalExampleProject;
/** Every CLI run of this file, to look for the password in. */
const runs: CliRun[] = [];

async function pulumi(args: string[], opts: { allowFailure?: boolean } = {}): Promise<CliRun> {
    const run = await local.workspace.run([...args, "--stack", STACK], opts);
    runs.push(run);
    return run;
}

const classesOf = (lines: string[]) => lines.map((l) => l.split("AUDIT: ")[1].split(",")[3]);

before(async () => {
    cluster = await startCluster();
    await createLocalExampleObjects(cluster);
    local = await localExampleProject();
    await local.workspace.initStack(STACK, { secrets: { connection: cluster.adminUri() } });
});
after(async () => {
    local?.remove();
    await cluster?.stop();
});

test("up applies examples/local; preview then expects no changes", { timeout: 300_000 }, async () => {
    const up = await pulumi(["up", "--yes"]);
    assert.match(up.stdout, /\+ 6 created/);
    assert.equal(
        await pgauditCatalog(cluster),
        [
            "database shop: pgaudit.log=ddl,role; pgaudit.role=auditor",
            "role app in database shop: pgaudit.log=read,write; pgaudit.log_relation=on",
            "role app: pgaudit.log=write",
            "role reporting: pgaudit.log=none",
        ].join("\n"),
    );
    // What sessions really get: app in shop audits reads and writes, app elsewhere only writes.
    assert.deepEqual(classesOf(await auditLinesOf(cluster, "app", "shop", ["INSERT INTO orders VALUES ('tea')", "SELECT * FROM orders"])), ["WRITE", "READ"]);
    assert.deepEqual(classesOf(await auditLinesOf(cluster, "app", "warehouse", ["INSERT INTO stock VALUES ('tea')", "SELECT * FROM stock"])), ["WRITE"]);
    assert.deepEqual(await auditLinesOf(cluster, "reporting", "shop", ["SELECT * FROM orders"]), []);
    // Object audit on public.cards: clerk audits no reads of its own, yet reading pan is logged.
    assert.deepEqual(await auditLinesOf(cluster, "clerk", "shop", ["SELECT id, holder FROM cards"]), []);
    const pan = await auditLinesOf(cluster, "clerk", "shop", ["SELECT pan FROM cards"]);
    assert.match(pan.join("\n"), /AUDIT: OBJECT,1,1,READ,SELECT,TABLE,public\.cards,SELECT pan FROM cards/);

    const preview = await pulumi(["preview", "--expect-no-changes"]);
    assert.match(preview.stdout, /6 unchanged/);
});

test("drift typed by hand: refresh shows it, preview then wants the update, up puts the declaration back", { timeout: 300_000 }, async () => {
    await cluster.sql(`ALTER ROLE app SET pgaudit.log = 'none'`);
    assert.deepEqual(await auditLinesOf(cluster, "app", "warehouse", ["INSERT INTO stock VALUES ('drift')"]), [], "the drift is real");

    const refresh = await pulumi(["refresh", "--yes"]);
    assert.match(refresh.stdout, /~ +pulumi-nodejs:dynamic\/pgaudit:PgAuditSetting role-app updated/);
    assert.match(refresh.stdout, /1 updated/);

    const check = await pulumi(["preview", "--expect-no-changes"], { allowFailure: true });
    assert.notEqual(check.code, 0, "after the refresh, the program and the server differ");
    assert.match(check.stdout, /~ +pulumi-nodejs:dynamic\/pgaudit:PgAuditSetting role-app update/);

    await pulumi(["up", "--yes"]);
    assert.match(await pgauditCatalog(cluster), /^role app: pgaudit\.log=write$/m);
    assert.deepEqual(classesOf(await auditLinesOf(cluster, "app", "warehouse", ["INSERT INTO stock VALUES ('back')"])), ["WRITE"]);
    await pulumi(["preview", "--expect-no-changes"]);
});

test("a program change: one scope updated in place, one removed (its settings RESET)", { timeout: 300_000 }, async () => {
    const changed = local.posture
        .replace(`settings: { log: ["write"] }`, `settings: { log: ["write", "ddl"] }`)
        .replace(/\s*reporting: new PgAuditSetting\([^\n]*\n/, "\n")
        .replace("readonly reporting: PgAuditSetting;", "");
    assert.notEqual(changed, local.posture);
    assert.ok(!changed.includes(`"role-reporting"`), "the edit removed role-reporting");
    local.writePosture(changed);

    const preview = await pulumi(["preview", "--diff"]);
    assert.match(preview.stdout, /~ +pulumi-nodejs:dynamic\/pgaudit:PgAuditSetting: \(update\)[\s\S]*role-app/);
    assert.match(preview.stdout, /- +pulumi-nodejs:dynamic\/pgaudit:PgAuditSetting: \(delete\)[\s\S]*role-reporting/);

    const up = await pulumi(["up", "--yes"]);
    assert.match(up.stdout, /1 updated/);
    assert.match(up.stdout, /1 deleted/);
    const catalog = await pgauditCatalog(cluster);
    assert.match(catalog, /^role app: pgaudit\.log=write,ddl$/m);
    assert.doesNotMatch(catalog, /role reporting/);
    assert.deepEqual(classesOf(await auditLinesOf(cluster, "app", "warehouse", ["CREATE TEMP TABLE t(i int)"])), ["DDL"]);
    local.writePosture(local.posture);
});

test("preview never connects: a stack whose server is a counting listener previews its creates", { timeout: 300_000 }, async () => {
    let attempts = 0;
    const listener = net.createServer((socket) => {
        attempts++;
        socket.destroy();
    });
    await new Promise<void>((resolve) => listener.listen(0, "127.0.0.1", resolve));
    const { port } = listener.address() as net.AddressInfo;
    try {
        await local.workspace.initStack("offline", { secrets: { connection: `postgresql://avnadmin:pw@127.0.0.1:${port}/postgres?sslmode=disable` } });
        const preview = await local.workspace.run(["preview", "--stack", "offline"]);
        runs.push(preview);
        assert.match(preview.stdout, /\+ 6 to create/);
        assert.equal(attempts, 0, "preview made no connection attempt");
    } finally {
        listener.close();
        await local.workspace.run(["stack", "rm", "offline", "--yes", "--force"]);
    }
});

test("the password is in no backend file, no stack export and no CLI output; --show-secrets shows it", { timeout: 300_000 }, async () => {
    const password = cluster.admin.password;
    const exported = await local.workspace.exportStack(STACK);
    assert.ok(!exported.text.includes(password), "stack export without --show-secrets");
    const settings = (exported.deployment.resources ?? []).filter((r) => r.type === "pulumi-nodejs:dynamic/pgaudit:PgAuditSetting");
    assert.equal(settings.length, 3, "the four of examples/local less role-reporting, removed above");
    const signature = (props: Record<string, unknown> | undefined) =>
        (props?.connection as Record<string, unknown> | undefined)?.["4dabf18193072939515e22adb298388d"];
    for (const r of settings) {
        assert.equal(signature(r.inputs), "1b47061264138c4ac30d75fd1eb44270", "connection input is a secret");
        assert.equal(signature(r.outputs), "1b47061264138c4ac30d75fd1eb44270", "connection output is a secret");
    }
    for (const { file, text } of local.workspace.backendFiles()) assert.ok(!text.includes(password), `the password is in ${file}`);
    for (const run of runs) assert.ok(!run.stdout.includes(password) && !run.stderr.includes(password), `pulumi ${run.args.join(" ")} printed it`);
    // The control: the same export with --show-secrets does carry it, so the checks above could fail.
    assert.ok((await local.workspace.exportStack(STACK, true)).text.includes(password));
});

test("destroy leaves no pgaudit key anywhere", { timeout: 300_000 }, async () => {
    const destroy = await pulumi(["destroy", "--yes"]);
    assert.match(destroy.stdout, /- 5 deleted/);
    assert.equal(await pgauditCatalog(cluster), "");
    assert.deepEqual(await auditLinesOf(cluster, "app", "shop", ["INSERT INTO orders VALUES ('gone')"]), []);
    assert.deepEqual(await auditLinesOf(cluster, "clerk", "shop", ["SELECT pan FROM cards"]), []);
    const grants = await cluster.sql(`SELECT 1 FROM information_schema.role_table_grants WHERE grantee = 'auditor'`, [], "shop");
    assert.equal(grants.length, 0, "the audit role holds no privilege");
});
