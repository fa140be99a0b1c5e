// Plays the Pulumi engine against the SDK's real dynamic-provider host process
// (`@pulumi/pulumi/cmd/dynamic-provider`), so tests exercise the same process, wire format and
// error paths that `pulumi up` does, instead of calling provider methods directly.
import { spawn, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import * as grpc from "@grpc/grpc-js";
import * as pulumi from "@pulumi/pulumi";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import { Empty } from "google-protobuf/google/protobuf/empty_pb";
import * as engineGrpc from "@pulumi/pulumi/proto/engine_grpc_pb";
import * as enginePb from "@pulumi/pulumi/proto/engine_pb";
import * as providerGrpc from "@pulumi/pulumi/proto/provider_grpc_pb";
import * as providerPb from "@pulumi/pulumi/proto/provider_pb";
import { setMocks } from "./mocks";

const PROJECT = "pgaudit-test";
const STACK = "test";
const PGAUDIT_SETTING_TYPE = "pulumi-nodejs:dynamic/pgaudit:PgAuditSetting";

/** What the engine sends in place of a value that is unknown during preview. */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
const SECRET_SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG_VALUE = "1b47061264138c4ac30d75fd1eb44270";

export type Props = Record<string, unknown>;
export type RpcMethod = "configure" | "check" | "diff" | "create" | "read" | "update" | "delete";
type Severity = "debug" | "info" | "warning" | "error";
export interface LogEntry {
    severity: Severity;
    message: string;
    urn: string;
}
export interface CheckResult {
    inputs: Props;
    failures: { property: string; reason: string }[];
}
export interface DiffResult {
    changes: "none" | "some" | "unknown";
    replaces: string[];
    deleteBeforeReplace: boolean;
}

export function urnFor(name: string, type: string = PGAUDIT_SETTING_TYPE): string {
    return `urn:pulumi:${STACK}::${PROJECT}::${type}::${name}`;
}

/** Type and name of a URN `urn:pulumi:stack::project::[parentType$]type::name`. */
function parseUrn(urn: string): { type: string; name: string } {
    const parts = urn.split("::");
    if (parts.length < 4) throw new Error(`not a URN: ${urn}`);
    return { type: parts[2].split("$").pop() ?? "", name: parts.slice(3).join("::") };
}

/** Replaces Pulumi secret wrappers by their plain value, recursively. */
export function unwrapSecrets(value: unknown): unknown {
    if (Array.isArray(value)) return value.map(unwrapSecrets);
    if (value !== null && typeof value === "object") {
        const obj = value as Props;
        if (obj[SECRET_SIG_KEY] === SECRET_SIG_VALUE) return unwrapSecrets(obj.value);
        return Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, unwrapSecrets(v)]));
    }
    return value;
}

/** Drops undefined object members, as the engine never sends them (and Struct rejects them). */
function dropUndefined(value: unknown): unknown {
    if (Array.isArray(value)) return value.map(dropUndefined);
    if (value !== null && typeof value === "object") {
        return Object.fromEntries(
            Object.entries(value as Props)
                .filter(([, v]) => v !== undefined)
                .map(([k, v]) => [k, dropUndefined(v)]),
        );
    }
    return value;
}

/** The host answers acceptSecrets=false, so the engine sends secrets as plain values. */
function toStruct(props: Props): Struct {
    return Struct.fromJavaScript(dropUndefined(unwrapSecrets(props)) as Record<string, never>);
}

function fromStruct(s: Struct | undefined): Props {
    return s?.toJavaScript() ?? {};
}

/** Directory of this package's package.json (works from test/support and dist/test/support). */
function repoRoot(): string {
    for (let dir = __dirname; ; dir = path.dirname(dir)) {
        const pkg = path.join(dir, "package.json");
        if (fs.existsSync(pkg) && (JSON.parse(fs.readFileSync(pkg, "utf8")) as { name?: unknown }).name === "pulumi-aiven-pgaudit") {
            return dir;
        }
        if (path.dirname(dir) === dir) throw new Error(`no pulumi-aiven-pgaudit package.json above ${__dirname}`);
    }
}

const SEVERITIES: Record<enginePb.LogSeverity, Severity> = {
    [enginePb.LogSeverity.DEBUG]: "debug",
    [enginePb.LogSeverity.INFO]: "info",
    [enginePb.LogSeverity.WARNING]: "warning",
    [enginePb.LogSeverity.ERROR]: "error",
};

/** A minimal Engine service: the host (and `pulumi.log` inside providers) only ever calls Log. */
async function startEngine(logs: LogEntry[]): Promise<{ server: grpc.Server; address: string }> {
    const server = new grpc.Server();
    const impl: Pick<engineGrpc.IEngineServer, "log" | "getRootResource" | "setRootResource"> = {
        log: (call, cb) => {
            const r = call.request;
            logs.push({ severity: SEVERITIES[r.getSeverity()], message: r.getMessage(), urn: r.getUrn() });
            cb(null, new Empty());
        },
        getRootResource: (_call, cb) => cb(null, new enginePb.GetRootResourceResponse()),
        setRootResource: (_call, cb) => cb(null, new enginePb.SetRootResourceResponse()),
    };
    server.addService(engineGrpc.EngineService, impl);
    const port = await new Promise<number>((resolve, reject) =>
        server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
    );
    return { server, address: `127.0.0.1:${port}` };
}

interface HostOutput {
    stdout: string;
    stderr: string;
    /** Resolves on the child's "close": only then has all of its stdout/stderr been read. */
    closed: Promise<void>;
}

/** Hosts not yet exited; killed if this process exits first (a crash must not leave them running). */
const liveHosts = new Set<ChildProcess>();
process.on("exit", () => {
    for (const child of liveHosts) child.kill();
});

/** Where and how to run the host. */
export interface HostOptions {
    /**
     * The host's working directory (default: this package's root, as for a program in this repo).
     * `require` inside `__provider` resolves from here, as it does from a Pulumi project directory.
     */
    cwd?: string;
    /** Extra environment for the host process. */
    env?: Record<string, string>;
}

/** Spawns the host and waits for the port it prints as its first stdout line. */
function spawnHost(root: string, engineAddress: string, opts: HostOptions): Promise<{ child: ChildProcess; port: number; out: HostOutput }> {
    const hostJs = path.join(root, "node_modules/@pulumi/pulumi/cmd/dynamic-provider/index.js");
    const child = spawn(process.execPath, [hostJs, engineAddress], {
        cwd: opts.cwd ?? root, // `require` inside __provider resolves from the host's cwd
        env: { ...process.env, ...opts.env, PULUMI_NODEJS_ENGINE: engineAddress, PULUMI_NODEJS_PROJECT: PROJECT, PULUMI_NODEJS_STACK: STACK },
        stdio: ["ignore", "pipe", "pipe"],
    });
    liveHosts.add(child);
    child.once("exit", () => liveHosts.delete(child));
    const out: HostOutput = { stdout: "", stderr: "", closed: new Promise((resolve) => child.once("close", () => resolve())) };
    child.stderr.setEncoding("utf8").on("data", (d: string) => (out.stderr += d));
    return new Promise((resolve, reject) => {
        const onExit = (code: number | null) => reject(new Error(`dynamic-provider host exited (${code}) before printing its port:\n${out.stderr}`));
        child.once("exit", onExit);
        child.once("error", reject);
        child.stdout.setEncoding("utf8").on("data", (d: string) => {
            const hadLine = out.stdout.includes("\n");
            out.stdout += d;
            if (hadLine || !out.stdout.includes("\n")) return;
            child.off("exit", onExit);
            resolve({ child, port: Number(out.stdout.split("\n")[0].trim()), out });
        });
    });
}

export class EngineHarness {
    /** RPC calls made to the host, by method (configure included). */
    readonly calls: Record<RpcMethod, number> = { configure: 0, check: 0, diff: 0, create: 0, read: 0, update: 0, delete: 0 };

    private constructor(
        private readonly server: grpc.Server,
        private readonly child: ChildProcess,
        private readonly client: providerGrpc.ResourceProviderClient,
        private readonly out: HostOutput,
        readonly engineAddress: string,
        /** Milliseconds from spawning the host to reading its port. */
        readonly startupMs: number,
        /** Every Log request the host sent to the engine. */
        readonly logs: LogEntry[],
    ) {}

    static async start(opts: HostOptions = {}): Promise<EngineHarness> {
        const logs: LogEntry[] = [];
        const { server, address } = await startEngine(logs);
        const t0 = performance.now();
        try {
            const { child, port, out } = await spawnHost(repoRoot(), address, opts);
            const startupMs = performance.now() - t0;
            const client = new providerGrpc.ResourceProviderClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
            return new EngineHarness(server, child, client, out, address, startupMs, logs);
        } catch (e) {
            server.forceShutdown();
            throw e;
        }
    }

    get pid(): number {
        return this.child.pid ?? -1;
    }
    /**
     * The host's stderr: the engine shows a plugin's stderr to the user, so secrets must never reach it.
     * Pipe data may arrive after the RPC answer that caused it: it is complete only after close().
     */
    get stderr(): string {
        return this.out.stderr;
    }
    /** The host's stdout after the port line (also shown to the user). */
    get stdout(): string {
        return this.out.stdout.split("\n").slice(1).join("\n");
    }

    /** Unary call that rejects with the gRPC status details, which is what `pulumi up` prints. */
    private rpc<Res>(method: RpcMethod, send: (cb: (err: grpc.ServiceError | null, res: Res) => void) => unknown): Promise<Res> {
        this.calls[method]++;
        return new Promise((resolve, reject) =>
            send((err, res) => {
                if (err) reject(Object.assign(new Error(err.details), { code: err.code }));
                else resolve(res);
            }),
        );
    }

    /** Returns whether the host accepts secrets (it says false, so secrets go over the wire in plain text). */
    async configure(config: Props = {}): Promise<boolean> {
        const req = new providerPb.ConfigureRequest()
            .setArgs(toStruct(config)) // without args the host throws inside an async handler and never answers
            .setAcceptsecrets(true)
            .setAcceptresources(true);
        const res = await this.rpc<providerPb.ConfigureResponse>("configure", (cb) => this.client.configure(req, cb));
        return res.getAcceptsecrets();
    }

    async check(urn: string, olds: Props, news: Props): Promise<CheckResult> {
        const { type, name } = parseUrn(urn);
        const req = new providerPb.CheckRequest().setUrn(urn).setType(type).setName(name).setOlds(toStruct(olds)).setNews(toStruct(news));
        const res = await this.rpc<providerPb.CheckResponse>("check", (cb) => this.client.check(req, cb));
        return {
            inputs: fromStruct(res.getInputs()),
            failures: res.getFailuresList().map((f) => ({ property: f.getProperty(), reason: f.getReason() })),
        };
    }

    /** `olds` are the old outputs (state), `news` the checked new inputs. The host ignores old_inputs. */
    async diff(urn: string, id: string, olds: Props, news: Props): Promise<DiffResult> {
        const { type, name } = parseUrn(urn);
        const req = new providerPb.DiffRequest().setUrn(urn).setType(type).setName(name).setId(id).setOlds(toStruct(olds)).setNews(toStruct(news));
        const res = await this.rpc<providerPb.DiffResponse>("diff", (cb) => this.client.diff(req, cb));
        const C = providerPb.DiffResponse.DiffChanges;
        const changes = res.getChanges() === C.DIFF_NONE ? "none" : res.getChanges() === C.DIFF_SOME ? "some" : "unknown";
        return { changes, replaces: res.getReplacesList(), deleteBeforeReplace: res.getDeletebeforereplace() };
    }

    /**
     * Note: the real engine never sends preview=true creates/updates to this host, because the host
     * does not report supportsPreview; at preview it uses the checked inputs as outputs.
     */
    async create(urn: string, props: Props, opts: { preview?: boolean } = {}): Promise<{ id: string; properties: Props }> {
        const { type, name } = parseUrn(urn);
        const req = new providerPb.CreateRequest()
            .setUrn(urn)
            .setType(type)
            .setName(name)
            .setProperties(toStruct(props))
            .setPreview(opts.preview ?? false);
        const res = await this.rpc<providerPb.CreateResponse>("create", (cb) => this.client.create(req, cb));
        return { id: res.getId(), properties: fromStruct(res.getProperties()) };
    }

    /** The host passes only (id, props) to the provider's read; `inputs` goes over the wire but is unused. */
    async read(urn: string, id: string, props: Props, inputs?: Props): Promise<{ id: string; properties: Props; inputs?: Props }> {
        const { type, name } = parseUrn(urn);
        const req = new providerPb.ReadRequest().setUrn(urn).setType(type).setName(name).setId(id).setProperties(toStruct(props));
        if (inputs) req.setInputs(toStruct(inputs));
        const res = await this.rpc<providerPb.ReadResponse>("read", (cb) => this.client.read(req, cb));
        const result = { id: res.getId(), properties: fromStruct(res.getProperties()) };
        return res.hasInputs() ? { ...result, inputs: fromStruct(res.getInputs()) } : result;
    }

    async update(urn: string, id: string, olds: Props, news: Props, opts: { preview?: boolean } = {}): Promise<{ properties: Props }> {
        const { type, name } = parseUrn(urn);
        const req = new providerPb.UpdateRequest()
            .setUrn(urn)
            .setType(type)
            .setName(name)
            .setId(id)
            .setOlds(toStruct(olds))
            .setNews(toStruct(news))
            .setPreview(opts.preview ?? false);
        const res = await this.rpc<providerPb.UpdateResponse>("update", (cb) => this.client.update(req, cb));
        return { properties: fromStruct(res.getProperties()) };
    }

    /** `props` are the old outputs from state: the provider's delete sees only those. */
    async delete(urn: string, id: string, props: Props, oldInputs?: Props): Promise<void> {
        const { type, name } = parseUrn(urn);
        const req = new providerPb.DeleteRequest().setUrn(urn).setType(type).setName(name).setId(id).setProperties(toStruct(props));
        if (oldInputs) req.setOldInputs(toStruct(oldInputs));
        await this.rpc<Empty>("delete", (cb) => this.client.delete(req, cb));
    }

    async close(): Promise<void> {
        this.client.close();
        if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill();
        await this.out.closed;
        this.server.forceShutdown();
    }
}

// ---- serializing resources the way a real program does ---------------------------------

/** One resource registration a program made: what the engine receives from `new Resource(…)`. */
export interface Registration {
    readonly urn: string;
    readonly type: string;
    readonly name: string;
    /** The registered inputs, including the real serialized `__provider`, secrets unwrapped. */
    readonly inputs: Props;
}

const captured = new Map<string, Props>();
let mocksInstalled = false;

const captureKey = (type: string, name: string) => `${type}::${name}`;

/** `setMocks` is process-global: install it once, routing registrations by type and name. */
function installMocks(): void {
    if (mocksInstalled) return;
    setMocks(
        {
            newResource: (args) => {
                captured.set(captureKey(args.type, args.name), unwrapSecrets(args.inputs) as Props);
                return { id: "mock-id", state: args.inputs };
            },
            call: (a) => a.inputs,
        },
        PROJECT,
        STACK,
    );
    mocksInstalled = true;
}

/** Everything a program's construction returned that is a resource: one, an array, or an object of them. */
function resourcesIn(value: unknown): pulumi.CustomResource[] {
    if (pulumi.CustomResource.isInstance(value)) return [value];
    if (Array.isArray(value)) return value.flatMap(resourcesIn);
    if (value !== null && typeof value === "object") return Object.values(value).flatMap(resourcesIn);
    return [];
}

/**
 * Runs `construct` (a program, or part of one) under Pulumi mocks and returns the registrations of
 * the resources it returned, in that order, each with the inputs it registered: the real serialized
 * `__provider` and secrets unwrapped, as the engine would send them to the host. (The provider's
 * methods never run here.)
 */
export async function registerUnderMocks(construct: () => unknown): Promise<Registration[]> {
    installMocks();
    const resources = resourcesIn(construct());
    if (resources.length === 0) throw new Error("construct() returned no resources");
    // A URN resolves only after the mock monitor's newResource has returned, and names the registration.
    // A failed closure serialization surfaces only as an unhandled rejection, so bound the wait.
    let timer: NodeJS.Timeout | undefined;
    const urns = await Promise.race([
        Promise.all(resources.map((r) => new Promise<string>((resolve) => r.urn.apply((u) => resolve(u))))),
        new Promise<never>((_, reject) => {
            timer = setTimeout(() => reject(new Error("resource was never registered (did __provider serialization fail?)")), 20_000);
        }),
    ]).finally(() => clearTimeout(timer));
    return urns.map((urn) => {
        const { type, name } = parseUrn(urn);
        const key = captureKey(type, name);
        const inputs = captured.get(key);
        if (!inputs) throw new Error(`no mock registration captured for ${urn}`);
        captured.delete(key);
        return { urn, type, name, inputs };
    });
}

/**
 * Constructs a resource under Pulumi mocks and returns the inputs it registered, including the
 * real serialized `__provider`, with secrets unwrapped. (The provider's methods never run here.)
 */
export async function serializeUnderMocks<T extends pulumi.CustomResource>(construct: () => T): Promise<Record<string, unknown>> {
    const [registration] = await registerUnderMocks(construct);
    return registration.inputs;
}
