/**
 * examples/local as a user runs it: the databases and roles it needs on a throwaway cluster, and
 * the example's files in a user's project (the package installed from its tarball) with the real
 * `pulumi` CLI on a file backend. The demo, the bench and the real-CLI tests share it.
 */
import fs from "node:fs";
import path from "node:path";
import type { TestCluster } from "./cluster";
import { PulumiWorkspace } from "./pulumiCli";
import { createUserProject, REPO_ROOT, type UserProject } from "./userProject";

const EXAMPLE = path.join(REPO_ROOT, "examples", "local");

/** What examples/local needs to exist (it manages settings, not databases or roles), plus tables to probe with. */
export async function createLocalExampleObjects(cluster: TestCluster): Promise<void> {
    // As on Aiven: databases owned by avnadmin (aiven.PgDatabase), roles without special rights.
    await cluster.sql(`CREATE DATABASE shop OWNER avnadmin`);
    await cluster.sql(`CREATE DATABASE warehouse OWNER avnadmin`);
    // As avnadmin, as on Aiven (aiven.PgUser): on 16+ avnadmin may alter only roles it administers.
    await cluster.adminSql(`CREATE ROLE app LOGIN; CREATE ROLE reporting LOGIN; CREATE ROLE clerk LOGIN`);
    await cluster.sql(
        `CREATE TABLE orders(item text);
         GRANT SELECT, INSERT ON orders TO app;
         GRANT SELECT ON orders TO reporting;
         GRANT CREATE ON SCHEMA public TO app, clerk;`,
        [],
        "shop",
    );
    await cluster.sql(`CREATE TABLE stock(item text); GRANT SELECT, INSERT ON stock TO app;`, [], "warehouse");
    // The audited table: avnadmin's (it may grant on it to the audit role), used by clerk.
    await cluster.sql(
        `CREATE TABLE cards(id int, holder text, pan text);
         INSERT INTO cards VALUES (1, 'ada', '4111111111111111');
         ALTER TABLE cards OWNER TO avnadmin;`,
        [],
        "shop",
    );
    await cluster.sql(`GRANT SELECT, UPDATE ON cards TO clerk`, [], "shop");
}

export interface LocalExampleProject {
    readonly project: UserProject;
    readonly workspace: PulumiWorkspace;
    /** The example's posture.ts as shipped, to edit a copy of (a program change). */
    readonly posture: string;
    /** Replaces the project's posture.ts. */
    writePosture(text: string): void;
    remove(): void;
}

/** A user's project holding examples/local's program, Pulumi.yaml and the package from its tarball. */
export async function localExampleProject(): Promise<LocalExampleProject> {
    const read = (file: string) => fs.readFileSync(path.join(EXAMPLE, file), "utf8");
    const project = await createUserProject({ name: "pgaudit-local", program: read("index.ts") });
    const posture = read("posture.ts");
    project.writeFile("posture.ts", posture);
    project.writeFile("Pulumi.yaml", read("Pulumi.yaml"));
    const workspace = new PulumiWorkspace(project.dir);
    return {
        project,
        workspace,
        posture,
        writePosture: (text) => project.writeFile("posture.ts", text),
        remove() {
            workspace.remove();
            project.remove();
        },
    };
}
