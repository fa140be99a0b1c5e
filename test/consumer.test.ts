// The package as a user installs it: `npm pack`, a fresh project in the layout of Pulumi's
// TypeScript template with the newest SDK installed first, the tarball added. One SDK copy,
// `tsc` clean under the template's tsconfig (no skipLibCheck) with TypeScript 5.9 and 6.0, every
// TypeScript block of the README and docs/ compiles there, the program runs under the user's own mocks, and
// the CLI answers.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { createUserProject, REPO_ROOT, type UserProject } from "../sandbox/userProject";
import { typescriptBlocks } from "./support/markdown";

const execFileAsync = promisify(execFile);

const PROGRAM = `import * as pulumi from "@pulumi/pulumi";
import { PgAuditLogging, PgAuditSetting, PgAuditExclusive, type PgAuditSettingsInput } from "pulumi-aiven-pgaudit";
import { pgAuditSettingProvider, closeAllPools } from "pulumi-aiven-pgaudit/provider";

const config = new pulumi.Config();
const connection = config.requireSecret("connection");
const settings: PgAuditSettingsInput = { log: ["ddl", "role"] };

const shop = new PgAuditSetting("db-shop", { connection, database: "shop", settings });
new PgAuditExclusive("exclusive", { connection, declaredScopes: [{ database: "shop" }] }, { dependsOn: [shop] });
const audit = new PgAuditLogging("audit", {
    project: "proj",
    service: { serviceName: "orders-pg", plan: "startup-4", pgVersion: "17" },
    databases: { shop: { log: ["write"] } },
});

export const database = shop.database;
export const indexPattern = audit.indexPattern;
export const hasProvider = typeof pgAuditSettingProvider.create === "function" && typeof closeAllPools === "function";
`;

// The user's own unit test of that program, plain JS against the compiled program, as Pulumi's
// docs show (mocks set before the program is loaded).
const MOCKS_TEST = `const pulumi = require("@pulumi/pulumi");
const registered = [];
pulumi.runtime.setMocks({
    newResource: (args) => {
        registered.push(args.type + " " + args.name);
        // What Aiven adds to a service's outputs, which the component connects with.
        const extra = args.type === "aiven:index/pg:Pg" ? { serviceHost: "pg.example", servicePort: 5432, serviceUsername: "avnadmin", servicePassword: "pw" } : {};
        return { id: args.name + "-id", state: { ...args.inputs, ...extra } };
    },
    call: (args) => args.token === "aiven:index/getProject:getProject" ? { caCert: "CA" } : {},
}, "user-project", "dev", false);
pulumi.runtime.setAllConfig({ "user-project:connection": "postgresql://avnadmin:pw@pg.example:5432/defaultdb?sslmode=require" }, ["user-project:connection"]);
const program = require("./bin/index.js");
program.database.apply((database) => setTimeout(() => { console.log(JSON.stringify({ database, registered: registered.sort() })); }, 500));
`;

let project: UserProject;

before(async () => {
    project = await createUserProject({ name: "user-project", program: PROGRAM });
});
after(() => project?.remove());

test("one copy of @pulumi/pulumi and of @pulumi/aiven: the project's own, the newest", async () => {
    const { stdout } = await execFileAsync("npm", ["ls", "--all", "--json", "@pulumi/pulumi", "@pulumi/aiven"], { cwd: project.dir });
    const versions: Record<string, Set<string>> = { "@pulumi/pulumi": new Set(), "@pulumi/aiven": new Set() };
    interface Dependencies {
        [name: string]: { version?: string; dependencies?: Dependencies };
    }
    const walk = (deps: Dependencies | undefined) => {
        for (const [name, dep] of Object.entries(deps ?? {})) {
            if (name in versions && dep.version) versions[name].add(dep.version);
            walk(dep.dependencies);
        }
    };
    walk((JSON.parse(stdout) as { dependencies?: Dependencies }).dependencies);
    const { stdout: newest } = await execFileAsync("npm", ["view", "@pulumi/pulumi", "version"], { cwd: project.dir });
    assert.deepEqual([...versions["@pulumi/pulumi"]], [newest.trim()]);
    assert.equal(versions["@pulumi/aiven"].size, 1, [...versions["@pulumi/aiven"]].join(", "));
    // The nested copies npm would make are what matters: exactly one directory of each.
    const copies = (pkg: string) => findPackageDirs(path.join(project.dir, "node_modules"), pkg);
    assert.deepEqual(copies("@pulumi/pulumi"), [path.join(project.dir, "node_modules", "@pulumi", "pulumi")]);
    assert.deepEqual(copies("@pulumi/aiven"), [path.join(project.dir, "node_modules", "@pulumi", "aiven")]);
});

for (const typescript of ["~5.9.0", "~6.0.0"]) {
    test(
        `tsc ${typescript}: the program and every TypeScript block of the README and docs/ compile under the template's tsconfig`,
        { timeout: 600_000 },
        async () => {
            await execFileAsync("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error", `typescript@${typescript}`], { cwd: project.dir });
            const version = project.installedVersion("typescript");
            assert.match(version, new RegExp(`^${typescript.slice(1).replace(/\.0$/, "").replace(".", "\\.")}\\.`));

            const docs = ["README.md", ...fs.readdirSync(path.join(REPO_ROOT, "docs")).map((f) => `docs/${f}`)].filter((f) => f.endsWith(".md"));
            const blocks = docs.flatMap((doc) => typescriptBlocks(fs.readFileSync(path.join(REPO_ROOT, doc), "utf8")).map((b) => ({ doc, ...b })));
            assert.ok(blocks.length >= 8, `the README and docs/ have ${blocks.length} TypeScript blocks`);
            const files = ["index.ts"];
            for (const [i, block] of blocks.entries()) {
                const file = `snippets/${block.doc.replace(/[/.]/g, "_")}-line${block.line}-${i}.ts`;
                // Each block is a module of its own, as a program file would be.
                project.writeFile(file, `${block.code}\nexport {};\n`);
                files.push(file);
            }
            const tsconfig = JSON.parse(fs.readFileSync(path.join(project.dir, "tsconfig.json"), "utf8")) as { compilerOptions: Record<string, unknown> };
            project.writeFile("tsconfig.check.json", JSON.stringify({ ...tsconfig, compilerOptions: { ...tsconfig.compilerOptions, noEmit: true }, files }));
            assert.equal(tsconfig.compilerOptions.skipLibCheck, undefined);
            await project.npx("tsc", ["-p", "tsconfig.check.json"]).catch((err: Error) => assert.fail(`tsc ${version}: ${err.message}`));
        },
    );
}

test("the program runs under the user's own mocks and registers the expected resources", { timeout: 300_000 }, async () => {
    await project.npx("tsc", ["-p", "tsconfig.json"]);
    project.writeFile("mocks.test.js", MOCKS_TEST);
    const { stdout } = await execFileAsync(process.execPath, ["mocks.test.js"], { cwd: project.dir, timeout: 60_000 });
    const { database, registered } = JSON.parse(stdout.trim().split("\n").pop()!) as { database: unknown; registered: unknown };
    assert.equal(database, "shop");
    assert.deepEqual(registered, [
        "aiven-pgaudit:index:PgAuditLogging audit",
        "aiven:index/pg:Pg audit-pg",
        "pulumi-nodejs:dynamic/pgaudit:PgAuditExclusive exclusive",
        // The component's default shape: one PgAuditScopes for the service's per-scope settings.
        "pulumi-nodejs:dynamic/pgaudit:PgAuditScopes audit-scopes",
        "pulumi-nodejs:dynamic/pgaudit:PgAuditSetting db-shop",
    ]);
});

test("npx pgaudit-posture --help answers", async () => {
    const { stdout } = await execFileAsync("npx", ["--no-install", "pgaudit-posture", "--help"], { cwd: project.dir });
    assert.match(stdout, /^Usage: pgaudit-posture /);
});

function findPackageDirs(nodeModules: string, pkg: string, out: string[] = []): string[] {
    if (!fs.existsSync(nodeModules)) return out;
    for (const entry of fs.readdirSync(nodeModules)) {
        if (entry.startsWith(".")) continue;
        const names = entry.startsWith("@") ? fs.readdirSync(path.join(nodeModules, entry)).map((n) => `${entry}/${n}`) : [entry];
        for (const name of names) {
            const dir = path.join(nodeModules, name);
            if (name === pkg) out.push(dir);
            findPackageDirs(path.join(dir, "node_modules"), pkg, out);
        }
    }
    return out.sort();
}
