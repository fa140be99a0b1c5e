/**
 * A Pulumi project as a user makes one: Pulumi's TypeScript template (pulumi/templates
 * `typescript/`), the newest SDK installed first, then this package added from its packed
 * tarball. The consumer test, the real-CLI tests, the demo and the bench all run in one.
 */
import { execFile } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";

const execFileAsync = promisify(execFile);

/** The repository this file is built from (dist/sandbox/ → the root). */
export const REPO_ROOT = path.resolve(__dirname, "..", "..");

/** The template's tsconfig.json: strict, nodenext, no skipLibCheck, only index.ts. */
const TEMPLATE_TSCONFIG = {
    compilerOptions: {
        strict: true,
        outDir: "bin",
        target: "es2020",
        module: "nodenext",
        moduleResolution: "nodenext",
        sourceMap: true,
        experimentalDecorators: true,
        pretty: true,
        noFallthroughCasesInSwitch: true,
        noImplicitReturns: true,
        forceConsistentCasingInFileNames: true,
    },
    files: ["index.ts"],
};

async function run(file: string, args: string[], cwd: string): Promise<string> {
    try {
        const { stdout } = await execFileAsync(file, args, { cwd, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, npm_config_update_notifier: "false" } });
        return stdout;
    } catch (e) {
        const err = e as Error & { stdout?: string; stderr?: string };
        throw new Error(`${file} ${args.join(" ")} (in ${cwd}) failed: ${err.message}\n${err.stdout ?? ""}${err.stderr ?? ""}`, { cause: e });
    }
}

let packed: Promise<string> | undefined;

/** `npm pack` of the built package (run `npm run build` first), once per process; the tarball's path. */
export function packTarball(): Promise<string> {
    packed ??= (async () => {
        const dest = fs.mkdtempSync(path.join(os.tmpdir(), "pgaudit-pack-"));
        const out = await run("npm", ["pack", "--silent", "--pack-destination", dest], REPO_ROOT);
        const name = out.trim().split("\n").pop()!;
        return path.join(dest, name);
    })();
    return packed;
}

export interface UserProjectOptions {
    /** The project's name, in package.json and Pulumi.yaml. */
    readonly name?: string;
    /** The TypeScript the project installs (the template says ^5.0.0). */
    readonly typescript?: string;
    /** More packages to install with the SDK, e.g. "@pulumi/policy@latest". */
    readonly extraPackages?: readonly string[];
    /** The program, index.ts; a file may be added with writeFile. */
    readonly program?: string;
    /** Pulumi.yaml's `config:` block, as YAML lines (indented two spaces). */
    readonly configYaml?: string;
}

export interface UserProject {
    readonly dir: string;
    /** Writes a file relative to the project. */
    writeFile(relative: string, content: string): void;
    /** Runs a command of the project's own node_modules/.bin (tsc, pgaudit-posture, …). */
    npx(bin: string, args: string[]): Promise<string>;
    /** The installed version of a package, read from its package.json. */
    installedVersion(pkg: string): string;
    /** Removes the project. */
    remove(): void;
}

/** Creates the project in a new temporary folder and installs its dependencies (about 20 s). */
export async function createUserProject(opts: UserProjectOptions = {}): Promise<UserProject> {
    const name = opts.name ?? "pgaudit-user";
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `${name}-`));
    const write = (relative: string, content: string) => {
        fs.mkdirSync(path.dirname(path.join(dir, relative)), { recursive: true });
        fs.writeFileSync(path.join(dir, relative), content);
    };
    write(
        "package.json",
        JSON.stringify(
            { name, main: "index.ts", devDependencies: { "@types/node": "^18", typescript: "^5.0.0" }, dependencies: { "@pulumi/pulumi": "^3.113.0" } },
            null,
            4,
        ),
    );
    write("tsconfig.json", JSON.stringify(TEMPLATE_TSCONFIG, null, 4));
    write(
        "Pulumi.yaml",
        `name: ${name}\nruntime:\n  name: nodejs\n  options:\n    typescript: true\ndescription: A user's project\n${opts.configYaml ? `config:\n${opts.configYaml}\n` : ""}`,
    );
    write("index.ts", opts.program ?? `import * as pulumi from "@pulumi/pulumi";\nexport const stack = pulumi.getStack();\n`);
    const npm = (args: string[]) => run("npm", [...args, "--no-audit", "--no-fund", "--loglevel=error"], dir);
    // As a user: the newest SDK first (what `pulumi new` and an upgrade give), then this package.
    await npm(["install", "@pulumi/pulumi@latest", "@pulumi/aiven@^6", `typescript@${opts.typescript ?? "^5.0.0"}`, ...(opts.extraPackages ?? [])]);
    await npm(["install", await packTarball()]);
    return {
        dir,
        writeFile: write,
        npx: (bin, args) => run(path.join(dir, "node_modules", ".bin", bin), args, dir),
        installedVersion: (pkg) => (JSON.parse(fs.readFileSync(path.join(dir, "node_modules", pkg, "package.json"), "utf8")) as { version: string }).version,
        remove: () => fs.rmSync(dir, { recursive: true, force: true }),
    };
}
