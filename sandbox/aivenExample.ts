/**
 * An Aiven example (examples/aiven, examples/existing-service) in a user's Pulumi project, run by
 * the real CLI with the real Aiven provider plugin against the STAND-IN of Aiven's API
 * (aivenApi.ts). Shared by the Aiven CLI test, `npm run bench -- --aiven` and `npm run demo -- --aiven`.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import type { AivenApiStandIn } from "./aivenApi";
import { PulumiWorkspace, type CliRun } from "./pulumiCli";
import { createUserProject, REPO_ROOT, type UserProject } from "./userProject";

/** Replaces text that must be there, so that an edit of an example cannot silently do nothing. */
export function replaceOnce(text: string, from: string | RegExp, to: string): string {
    assert.ok(typeof from === "string" ? text.includes(from) : from.test(text), `the example no longer holds ${String(from)}`);
    return text.replace(from, to);
}

/** examples/aiven without its per-scope part (databases, roles, roleDatabases, the PgDatabase and PgUsers): service + integration only. */
export function withoutScopes(program: string): string {
    let p = program;
    for (const key of ["databases", "roles", "roleDatabases"]) p = replaceOnce(p, new RegExp(`^ {4}${key}: .*\\n`, "m"), "");
    return replaceOnce(p, /^ {4}settingsDependOn: \(pg\) => \[\n[\s\S]*?^ {4}\],\n/m, "");
}

export interface AivenExampleProject {
    readonly project: UserProject;
    readonly workspace: PulumiWorkspace;
    /** Writes examples/<example>/index.ts (edited) and its Pulumi.yaml as the project's program. */
    useExample(example: string, edit?: (program: string) => string): void;
    /** `pulumi ARGS --stack STACK` with AIVEN_WEB_URL pointing at the stand-in. */
    run(stack: string, args: string[], allowFailure?: boolean): Promise<CliRun>;
    remove(): void;
}

/** A user's project (the package from its tarball, @pulumi/aiven 6.x) with the Aiven plugin installed in its workspace. */
export async function aivenExampleProject(api: AivenApiStandIn, name = "pgaudit-aiven"): Promise<AivenExampleProject> {
    const project = await createUserProject({ name });
    const workspace = new PulumiWorkspace(project.dir);
    await workspace.installAivenPlugin();
    return {
        project,
        workspace,
        useExample(example, edit = (p) => p) {
            const dir = path.join(REPO_ROOT, "examples", example);
            project.writeFile("index.ts", edit(fs.readFileSync(path.join(dir, "index.ts"), "utf8")));
            project.writeFile("Pulumi.yaml", fs.readFileSync(path.join(dir, "Pulumi.yaml"), "utf8").replace(/^name: .*$/m, `name: ${name}`));
        },
        run: (stack, args, allowFailure = false) => workspace.run([...args, "--stack", stack], { env: api.env(), allowFailure, timeoutMs: 900_000 }),
        remove() {
            workspace.remove();
            project.remove();
        },
    };
}
