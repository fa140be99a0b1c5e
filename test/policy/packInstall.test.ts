// The policy pack as a user gets it: `npm pack` of this package installed into a fresh project
// next to @pulumi/pulumi and @pulumi/policy (from npm's cache where it can). The pack directory
// resolves @pulumi/policy from that project; the exported policies load and run in-process; and
// the pack starts under @pulumi/pulumi's own run-policy-pack (what the Pulumi CLI's language host
// runs) and answers the analyzer's GetAnalyzerInfo and Analyze over gRPC.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import * as fs from "node:fs";
import { createRequire } from "node:module";
import * as os from "node:os";
import * as path from "node:path";

const ROOT = path.resolve(__dirname, "..", "..", "..");
const own = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as { name: string; version: string };
const installed = (name: string) => (JSON.parse(fs.readFileSync(path.join(ROOT, "node_modules", name, "package.json"), "utf8")) as { version: string }).version;

const work = fs.mkdtempSync(path.join(os.tmpdir(), "pgaudit-policy-"));
after(() => fs.rmSync(work, { recursive: true, force: true }));

function npm(args: string[], cwd: string): string {
    return execFileSync("npm", args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}

/** The project, with the package installed from its tarball. */
function installProject(): string {
    const tarball = npm(["pack", "--silent", "--pack-destination", work], ROOT).trim().split("\n").pop()!;
    const project = path.join(work, "project");
    fs.mkdirSync(project);
    fs.writeFileSync(path.join(project, "package.json"), JSON.stringify({ name: "user-stack", version: "1.0.0", private: true }));
    npm(
        [
            "install",
            "--prefer-offline",
            "--no-audit",
            "--no-fund",
            "--ignore-scripts",
            // The pack needs no @pulumi/aiven at run time; a user's project has it anyway.
            "--legacy-peer-deps",
            path.join(work, tarball),
            `@pulumi/pulumi@${installed("@pulumi/pulumi")}`,
            `@pulumi/policy@${installed("@pulumi/policy")}`,
        ],
        project,
    );
    return project;
}

let project: string;

test("installed from the tarball, the pack directory holds PulumiPolicy.yaml and resolves @pulumi/policy from the user's project", () => {
    project = installProject();
    const packDir = path.join(project, "node_modules", own.name, "policy");
    assert.match(fs.readFileSync(path.join(packDir, "PulumiPolicy.yaml"), "utf8"), /^runtime: nodejs$/m);
    const packJson = JSON.parse(fs.readFileSync(path.join(packDir, "package.json"), "utf8")) as { version: string };
    assert.equal(packJson.version, own.version, "policy/package.json's version (what PolicyPack reports) follows the package's");
    const fromPack = createRequire(path.join(packDir, "package.json"));
    assert.equal(fromPack.resolve("@pulumi/policy"), path.join(project, "node_modules", "@pulumi", "policy", "index.js"));
    assert.equal(fromPack.resolve(packDir), path.join(project, "node_modules", own.name, "dist", "policy", "pack.js"));
    assert.equal(fs.existsSync(path.join(project, "node_modules", own.name, "node_modules", "@pulumi", "policy")), false, "no copy of its own");
});

test("in the user's project, pulumi-aiven-pgaudit/policy loads and its policies run in-process", async () => {
    const fromProject = createRequire(path.join(project, "package.json"));
    const { pgAuditPolicies } = fromProject(`${own.name}/policy`) as typeof import("../../policy/policies");
    const [baseline] = pgAuditPolicies({ baseline: "cis" });
    const messages: string[] = [];
    const args = {
        type: "aiven:index/pg:Pg",
        name: "db",
        urn: "urn:pulumi:dev::stack::aiven:index/pg:Pg::db",
        props: { pgUserConfig: { pgaudit: { featureEnabled: true, logs: ["write"] } } },
        getConfig: () => ({}),
    };
    await (baseline.validateResource as (a: unknown, r: (m: string) => void) => void | Promise<void>)(args, (m) => messages.push(m));
    assert.deepEqual(messages, [
        `aiven.Pg "db": pgUserConfig.pgaudit.logs = ["write"] lacks ddl: weaker than cis rule "log-classes" (3.2). Fix: include ddl in pgUserConfig.pgaudit.logs`,
    ]);
});

test("the pack runs under @pulumi/pulumi's run-policy-pack and answers the analyzer over gRPC", async () => {
    const packDir = path.join(project, "node_modules", own.name, "policy");
    const fromProject = createRequire(path.join(project, "package.json"));
    const runner = fromProject.resolve("@pulumi/pulumi/cmd/run-policy-pack");
    // The engine address is not dialled by the pack; the CLI passes its own.
    const child = spawn(process.execPath, [runner, "127.0.0.1:1", packDir], { cwd: packDir, stdio: ["ignore", "pipe", "pipe"] });
    try {
        let stderr = "";
        child.stderr.on("data", (d) => (stderr += d));
        const port = await new Promise<number>((resolve, reject) => {
            let out = "";
            child.stdout.on("data", (d) => {
                out += d;
                const line = out.split("\n")[0];
                if (out.includes("\n") && /^\d+$/.test(line.trim())) resolve(Number(line));
            });
            child.on("exit", (code) => reject(new Error(`pack exited ${code}: ${stderr}`)));
        });
        const fromPolicy = createRequire(fromProject.resolve("@pulumi/policy"));
        // The pack's own copies, typed as this repository's.
        const grpc = fromPolicy("@grpc/grpc-js") as typeof import("@grpc/grpc-js");
        const rpc = fromPolicy("@pulumi/pulumi/proto/analyzer_grpc_pb") as typeof import("@pulumi/pulumi/proto/analyzer_grpc_pb");
        const proto = fromPolicy("@pulumi/pulumi/proto/analyzer_pb") as typeof import("@pulumi/pulumi/proto/analyzer_pb");
        const empty = fromPolicy("google-protobuf/google/protobuf/empty_pb") as typeof import("google-protobuf/google/protobuf/empty_pb");
        const struct = fromPolicy("google-protobuf/google/protobuf/struct_pb") as typeof import("google-protobuf/google/protobuf/struct_pb");
        const client = new rpc.AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
        /** One unary call, as a promise. */
        const call = <T>(send: (done: (err: Error | null, res: T) => void) => void) =>
            new Promise<T>((resolve, reject) => send((err, res) => (err ? reject(err) : resolve(res))));
        try {
            const info = await call<import("@pulumi/pulumi/proto/analyzer_pb").AnalyzerInfo>((done) => client.getAnalyzerInfo(new empty.Empty(), done));
            assert.equal(info.getName(), "pulumi-aiven-pgaudit");
            assert.equal(info.getVersion(), own.version);
            assert.deepEqual(
                info.getPoliciesList().map((p) => p.getName()),
                ["pgaudit-baseline", "pgaudit-scoped-settings-version"],
            );

            const req = new proto.AnalyzeRequest();
            req.setType("aiven:index/pg:Pg");
            req.setName("db");
            req.setUrn("urn:pulumi:dev::stack::aiven:index/pg:Pg::db");
            req.setProperties(
                struct.Struct.fromJavaScript({
                    pgUserConfig: { pgVersion: "16", pgaudit: { featureEnabled: true, logs: ["ddl", "write"], logCatalog: false } },
                }),
            );
            req.setOptions(new proto.AnalyzerResourceOptions());
            const res = await call<import("@pulumi/pulumi/proto/analyzer_pb").AnalyzeResponse>((done) => client.analyze(req, done));
            // The analyzer puts the policy's description before the message, as the CLI shows it.
            const messages = res.getDiagnosticsList().map((d) => `${d.getPolicyname()}: ${d.getMessage().split("\n").slice(1).join("\n")}`);
            assert.equal(messages.length, 2, messages.join("\n"));
            assert.match(
                messages[0],
                /^pgaudit-baseline: aiven\.Pg "db": pgUserConfig\.pgaudit\.logs = \["ddl","write"\] lacks role, read: weaker than stig rule "log-classes"/,
            );
            assert.match(
                messages[1],
                /^pgaudit-baseline: aiven\.Pg "db": pgUserConfig\.pgaudit\.logCatalog = false is not on: weaker than stig rule "log-catalog" \(V-233573\)/,
            );
        } finally {
            client.close();
        }
    } finally {
        child.kill();
    }
});
