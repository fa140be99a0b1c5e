/**
 * The demo's other engine: the real `pulumi` CLI, when one is installed, on examples/local with a
 * local file backend in a temporary directory and the connection as secret config.
 *
 * NOT EXERCISED by this project's tests or CI: no Pulumi CLI can be installed there. The default
 * engine (demo/engine.ts, the SDK's own dynamic-provider host driven over gRPC) is what is tested.
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

export interface CliStack {
    up(): Promise<void>;
    destroy(): Promise<void>;
}

/** Runs pulumi with `args` in `cwd`, prefixing its output; `input` goes to its stdin (never to argv). */
function pulumi(bin: string, args: string[], cwd: string, env: NodeJS.ProcessEnv, input?: string): Promise<void> {
    return new Promise((resolve, reject) => {
        const child = spawn(bin, args, { cwd, env, stdio: [input === undefined ? "ignore" : "pipe", "pipe", "pipe"] });
        const relay = (stream: NodeJS.ReadableStream, out: NodeJS.WriteStream) => {
            let rest = "";
            stream.setEncoding("utf8");
            stream.on("data", (d: string) => {
                const lines = (rest + d).split("\n");
                rest = lines.pop() ?? "";
                for (const l of lines) out.write(`    │ ${l}\n`);
            });
            stream.on("end", () => rest && out.write(`    │ ${rest}\n`));
        };
        relay(child.stdout!, process.stdout);
        relay(child.stderr!, process.stderr);
        if (input !== undefined) {
            child.stdin!.on("error", () => undefined); // a child that exits early reports through its exit code
            child.stdin!.end(input);
        }
        child.once("error", reject);
        child.once("close", (code) => (code === 0 ? resolve() : reject(new Error(`pulumi ${args[0]} exited with ${code}`))));
    });
}

/**
 * Prepares a stack of examples/local on a file backend: installs the example's dependencies if
 * missing, creates the stack, and sets `connection` as a secret (through stdin).
 */
export async function prepareCliStack(bin: string, projectDir: string, connection: string): Promise<CliStack> {
    const backend = fs.mkdtempSync(path.join(os.tmpdir(), "pgaudit-demo-backend-"));
    const stack = `demo-${randomBytes(3).toString("hex")}`;
    const env: NodeJS.ProcessEnv = {
        ...process.env,
        PULUMI_BACKEND_URL: `file://${backend}`,
        PULUMI_CONFIG_PASSPHRASE: randomBytes(16).toString("hex"),
        PULUMI_SKIP_UPDATE_CHECK: "true",
    };
    if (!fs.existsSync(path.join(projectDir, "node_modules"))) {
        await new Promise<void>((resolve, reject) => {
            const npm = spawn("npm", ["install", "--no-audit", "--no-fund"], { cwd: projectDir, stdio: "inherit" });
            npm.once("error", reject);
            npm.once("close", (code) => (code === 0 ? resolve() : reject(new Error(`npm install in ${projectDir} exited with ${code}`))));
        });
    }
    await pulumi(bin, ["stack", "init", stack, "--non-interactive"], projectDir, env);
    await pulumi(bin, ["config", "set", "--secret", "connection"], projectDir, env, connection);
    let removed = false;
    return {
        up: () => pulumi(bin, ["up", "--yes", "--skip-preview", "--non-interactive", "--stack", stack], projectDir, env),
        async destroy() {
            if (removed) return;
            removed = true;
            try {
                await pulumi(bin, ["destroy", "--yes", "--skip-preview", "--non-interactive", "--stack", stack], projectDir, env);
                await pulumi(bin, ["stack", "rm", stack, "--yes", "--force", "--non-interactive"], projectDir, env);
            } finally {
                fs.rmSync(backend, { recursive: true, force: true });
                fs.rmSync(path.join(projectDir, `Pulumi.${stack}.yaml`), { force: true });
            }
        },
    };
}
