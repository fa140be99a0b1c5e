/**
 * The real `pulumi` CLI on a project of the sandbox: a file backend, a passphrase secrets
 * provider, update checks and plugin downloads off, everything in temporary folders. The CLI
 * comes from scripts/pulumi-cli.sh (the user's own install, or one built from the Go module proxy).
 */
import { execFileSync, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { REPO_ROOT } from "./userProject";

let binDir: string | undefined;

/** The Aiven provider plugin @pulumi/aiven 6.51.0 drives (scripts/aiven-plugin.sh provides it). */
const AIVEN_PLUGIN_VERSION = "6.51.0";

/** The folder holding pulumi, pulumi-language-nodejs and the dynamic-provider shim (built once if need be). */
export function pulumiBinDir(): string {
    binDir ??= execFileSync("bash", [path.join(REPO_ROOT, "scripts", "pulumi-cli.sh")], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] })
        .trim()
        .split("\n")
        .pop()!;
    return binDir;
}

export interface CliRun {
    readonly args: readonly string[];
    readonly code: number | null;
    readonly signal: NodeJS.Signals | null;
    readonly stdout: string;
    readonly stderr: string;
    /** Milliseconds from spawn to exit. */
    readonly ms: number;
}

export interface RunOptions {
    /** Written to stdin (a secret goes here, never to argv). */
    readonly input?: string;
    /** A non-zero exit is returned instead of thrown. */
    readonly allowFailure?: boolean;
    /** Called with each chunk of stdout and stderr as it comes (to show it, or to act mid-run). */
    readonly onOutput?: (text: string, child: import("node:child_process").ChildProcess) => void;
    /** Extra environment for this run. */
    readonly env?: NodeJS.ProcessEnv;
    /** Killed with SIGKILL after this long (default 10 minutes). */
    readonly timeoutMs?: number;
    /** Run in a process group of its own, so that `killGroup` ends the CLI with its plugins. */
    readonly detached?: boolean;
}

/** One resource of a `pulumi stack export` checkpoint: the fields tests read. */
export interface ExportedResource {
    readonly urn: string;
    readonly type: string;
    readonly id?: string;
    readonly retainOnDelete?: boolean;
    readonly inputs?: Record<string, unknown>;
    readonly outputs?: Record<string, unknown>;
}

/** The `deployment` of a `pulumi stack export` checkpoint. */
export interface Deployment {
    readonly resources?: ExportedResource[];
}

/** SIGKILL to a detached run's whole process group: the CLI and its language host. */
export function killGroup(child: import("node:child_process").ChildProcess): void {
    if (child.pid !== undefined) process.kill(-child.pid, "SIGKILL");
}

/**
 * Ends the plugin processes still running from `dir` (the engine starts provider hosts in process
 * groups of their own, so a CLI killed with SIGKILL leaves them behind, measured). Returns how many.
 */
export function killOrphanedPlugins(dir: string): number {
    let killed = 0;
    for (const pid of fs.readdirSync("/proc").filter((p) => /^\d+$/.test(p))) {
        let cmdline: string;
        try {
            cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, "utf8");
        } catch {
            continue; // gone already
        }
        if (!cmdline.includes(`${dir}${path.sep}node_modules`)) continue;
        try {
            process.kill(Number(pid), "SIGKILL");
            killed++;
        } catch {
            // exited meanwhile
        }
    }
    return killed;
}

class PulumiCliError extends Error {
    constructor(readonly run: CliRun) {
        super(`pulumi ${run.args.join(" ")} exited with ${run.code ?? run.signal}\n--- stdout ---\n${run.stdout}\n--- stderr ---\n${run.stderr}`);
        this.name = "PulumiCliError";
    }
}

/** One project directory, one file backend, one passphrase: stacks come and go inside. */
export class PulumiWorkspace {
    readonly backendDir: string;
    readonly homeDir: string;
    readonly passphrase = randomBytes(16).toString("hex");
    private readonly root: string;

    constructor(readonly projectDir: string) {
        this.root = fs.mkdtempSync(path.join(os.tmpdir(), "pgaudit-pulumi-"));
        this.backendDir = path.join(this.root, "backend");
        this.homeDir = path.join(this.root, "home");
        fs.mkdirSync(this.backendDir);
        fs.mkdirSync(this.homeDir);
    }

    /** The environment every run gets: nothing leaves this machine, nothing is read from ~/.pulumi. */
    env(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
        return {
            ...process.env,
            PATH: [pulumiBinDir(), path.dirname(process.execPath), process.env.PATH ?? ""].join(path.delimiter),
            PULUMI_BACKEND_URL: `file://${this.backendDir}`,
            PULUMI_CONFIG_PASSPHRASE: this.passphrase,
            PULUMI_HOME: this.homeDir,
            PULUMI_SKIP_UPDATE_CHECK: "true",
            PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
            PULUMI_SKIP_CONFIRMATIONS: "true",
            NO_COLOR: "1",
            ...extra,
        };
    }

    /** Runs `pulumi ARGS --non-interactive --color never` in the project. */
    run(args: readonly string[], opts: RunOptions = {}): Promise<CliRun> {
        const argv = [...args, "--non-interactive", "--color", "never"];
        const started = Date.now();
        return new Promise((resolve, reject) => {
            const child = spawn(path.join(pulumiBinDir(), "pulumi"), argv, {
                cwd: this.projectDir,
                env: this.env(opts.env),
                stdio: [opts.input === undefined ? "ignore" : "pipe", "pipe", "pipe"],
                detached: opts.detached ?? false,
            });
            let stdout = "";
            let stderr = "";
            child.stdout!.setEncoding("utf8").on("data", (d: string) => {
                stdout += d;
                opts.onOutput?.(d, child);
            });
            child.stderr!.setEncoding("utf8").on("data", (d: string) => {
                stderr += d;
                opts.onOutput?.(d, child);
            });
            if (opts.input !== undefined) {
                child.stdin!.on("error", () => undefined); // an early exit reports through its code
                child.stdin!.end(opts.input);
            }
            const timer = setTimeout(() => child.kill("SIGKILL"), opts.timeoutMs ?? 600_000);
            child.once("error", (err) => {
                clearTimeout(timer);
                reject(err);
            });
            child.once("close", (code, signal) => {
                clearTimeout(timer);
                const result: CliRun = { args, code, signal, stdout, stderr, ms: Date.now() - started };
                if (code === 0 || opts.allowFailure) resolve(result);
                else reject(new PulumiCliError(result));
            });
        });
    }

    /** Creates (or selects) a stack and sets its config; values under `secrets` go through stdin. */
    async initStack(stack: string, config: { plain?: Record<string, string>; secrets?: Record<string, string> } = {}): Promise<void> {
        await this.run(["stack", "init", stack]);
        for (const [key, value] of Object.entries(config.plain ?? {})) await this.run(["config", "set", "--stack", stack, key, value]);
        for (const [key, value] of Object.entries(config.secrets ?? {})) await this.run(["config", "set", "--stack", stack, "--secret", key], { input: value });
    }

    /**
     * Installs the Aiven provider plugin into this workspace's plugin cache, as a user's `pulumi`
     * would have it (scripts/aiven-plugin.sh: from ../shared/pulumi-bin, checksum checked).
     */
    async installAivenPlugin(): Promise<void> {
        const plugin = execFileSync("bash", [path.join(REPO_ROOT, "scripts", "aiven-plugin.sh")], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] })
            .trim()
            .split("\n")
            .pop()!;
        await this.run(["plugin", "install", "resource", "aiven", AIVEN_PLUGIN_VERSION, "-f", plugin]);
    }

    /** `pulumi stack export`: the checkpoint as the backend holds it. */
    async exportStack(stack: string, showSecrets = false): Promise<{ text: string; deployment: Deployment }> {
        const { stdout } = await this.run(["stack", "export", "--stack", stack, ...(showSecrets ? ["--show-secrets"] : [])]);
        return { text: stdout, deployment: (JSON.parse(stdout) as { deployment: Deployment }).deployment };
    }

    /** Every file of the backend, as text (to look for what must not be there). */
    backendFiles(): { file: string; text: string }[] {
        const out: { file: string; text: string }[] = [];
        const walk = (dir: string) => {
            for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
                const file = path.join(dir, entry.name);
                if (entry.isDirectory()) walk(file);
                else out.push({ file, text: fs.readFileSync(file).toString("latin1") });
            }
        };
        walk(this.backendDir);
        walk(this.homeDir);
        return out;
    }

    /** The checkpoint file of a stack on the file backend (and the previous one beside it, `.bak`). */
    checkpointFile(stack: string): string {
        const found: string[] = [];
        const walk = (dir: string) => {
            for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
                const file = path.join(dir, entry.name);
                if (entry.isDirectory()) walk(file);
                else if (entry.name === `${stack}.json` && dir.includes(`${path.sep}stacks`)) found.push(file);
            }
        };
        walk(this.backendDir);
        if (found.length !== 1) throw new Error(`expected one checkpoint of stack ${stack}, found ${found.length}`);
        return found[0];
    }

    remove(): void {
        fs.rmSync(this.root, { recursive: true, force: true });
    }
}
