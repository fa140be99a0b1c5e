#!/usr/bin/env node
/** The `pgaudit-review` command: see review/cli.ts. */
import fs from "node:fs";
import { runReviewCli } from "../review/cli";

async function readStdin(): Promise<string> {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString("utf8");
}

runReviewCli(process.argv.slice(2), {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    readFile: (path) => fs.readFileSync(path, "utf8"),
    readStdin,
})
    .then((code) => {
        process.exitCode = code;
    })
    .catch((err: unknown) => {
        process.stderr.write(`pgaudit-review: unexpected error: ${err instanceof Error ? err.message : String(err)}\n`);
        process.exitCode = 2;
    });
