#!/usr/bin/env node
/** The `pgaudit-posture` command: see posture/cli.ts. */
import fs from "node:fs";
import { closeAllPools } from "../provider/connection";
import { runPostureCli } from "../posture/cli";

runPostureCli(process.argv.slice(2), process.env, {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    readFile: (path) => fs.readFileSync(path, "utf8"),
    writeFile: (path, text) => fs.writeFileSync(path, text),
})
    .then(async (code) => {
        await closeAllPools();
        // exitCode, not exit(): a large report piped to another program is written out in full.
        process.exitCode = code;
    })
    .catch((err: unknown) => {
        process.stderr.write(`pgaudit-posture: unexpected error: ${err instanceof Error ? err.message : String(err)}\n`);
        process.exitCode = 2;
    });
