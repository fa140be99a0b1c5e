// Pure tests of the CLI's arguments and connection sources; no server.
import { test } from "node:test";
import assert from "node:assert/strict";
import { EXIT_USAGE_OR_CONNECTION, parseCliArgs, runPostureCli } from "../../posture/cli";
import { resolveCliConnection } from "../../posture/cliConnection";

const SECRET = "pa:ss/w0rd-not-to-print";
const noFile = (path: string): string => {
    throw Object.assign(new Error(`ENOENT ${path}`), { code: "ENOENT" });
};

test("parseCliArgs: options, repeated --require, help; unknown options, positionals and bad values are usage errors", () => {
    assert.deepEqual(parseCliArgs(["--connection", "postgresql://h/db", "--require", "ddl", "--require", "role", "--json"]), {
        connection: "postgresql://h/db",
        required: ["ddl", "role"],
        format: "json",
        connectDeadlineSeconds: 10,
    });
    assert.deepEqual(parseCliArgs([]), { required: null, format: "text", connectDeadlineSeconds: 10 });
    assert.equal(parseCliArgs(["--help"]), "help");
    for (const bad of [["--verbose"], ["extra"], ["--require", "none"], ["--connect-deadline", "0"], ["--connect-deadline", "soon"], ["--connection"]]) {
        assert.ok(typeof parseCliArgs(bad) === "object" && "error" in (parseCliArgs(bad) as object), JSON.stringify(bad));
    }
});

test("connection from PG* variables, with libpq's names in messages", () => {
    const env = { PGHOST: "pg.example", PGPORT: "12345", PGUSER: "avnadmin", PGPASSWORD: SECRET, PGDATABASE: "defaultdb", PGSSLMODE: "require" };
    assert.deepEqual(resolveCliConnection(undefined, env, noFile), {
        connection: { host: "pg.example", port: 12345, user: "avnadmin", password: SECRET, database: "defaultdb", sslMode: "require" },
    });
    assert.deepEqual(resolveCliConnection(undefined, { ...env, PGPORT: "seventy" }, noFile), { error: "PGPORT: must be a TCP port number" });
    const missing = resolveCliConnection(undefined, {}, noFile);
    assert.ok("error" in missing && /--connection|PGHOST/.test(missing.error));
    const prefer = resolveCliConnection(undefined, { ...env, PGSSLMODE: "prefer" }, noFile);
    assert.ok("error" in prefer && prefer.error.startsWith("PGSSLMODE: "));
});

test("a URI without a password takes PGPASSWORD; PGSSLROOTCERT makes TLS verify the server", () => {
    const resolved = resolveCliConnection(
        "postgresql://avnadmin@pg.example:123/defaultdb",
        { PGPASSWORD: SECRET, PGSSLROOTCERT: "/ca.pem" },
        (p) => `PEM of ${p}`,
    );
    assert.deepEqual(resolved, {
        connection: {
            host: "pg.example",
            port: 123,
            user: "avnadmin",
            password: SECRET,
            database: "defaultdb",
            sslMode: "verify-full",
            caCert: "PEM of /ca.pem",
        },
    });
    const unreadable = resolveCliConnection("postgresql://avnadmin@pg.example/db", { PGSSLROOTCERT: "/nope" }, noFile);
    assert.deepEqual(unreadable, { error: "cannot read the CA certificate named by PGSSLROOTCERT: ENOENT" });
});

test("usage and connection errors exit 2 and never print the password", async () => {
    const cases: [string[], Record<string, string>][] = [
        [["--connection", `postgresql://u:${encodeURIComponent(SECRET)}@h/db?sslrootcert=x`], {}],
        [["--connection", `mysql://u:${encodeURIComponent(SECRET)}@h/db`], {}],
        [["--bogus", SECRET], { PGPASSWORD: SECRET }],
        // A URI given without --connection: parseArgs would echo it whole.
        [[`postgresql://u:${encodeURIComponent(SECRET)}@h/db`], {}],
        [[], { PGPASSWORD: SECRET, PGPORT: "x", PGHOST: "h", PGUSER: "u" }],
    ];
    for (const [argv, env] of cases) {
        let out = "";
        let err = "";
        const code = await runPostureCli(argv, env, { stdout: (t) => (out += t), stderr: (t) => (err += t), readFile: noFile });
        assert.equal(code, EXIT_USAGE_OR_CONNECTION, argv.join(" "));
        assert.match(err, /^pgaudit-posture: /);
        assert.equal(out, "");
        for (const shown of [SECRET, encodeURIComponent(SECRET)]) assert.ok(!err.includes(shown), `${argv.join(" ")} printed the password: ${err}`);
    }
});

test("an option error keeps its line breaks; an unreachable server names --connect-deadline", async () => {
    let err = "";
    const io = { stdout: () => undefined, stderr: (t: string) => (err += t), readFile: noFile };
    assert.equal(await runPostureCli(["--require", "-x"], {}, io), EXIT_USAGE_OR_CONNECTION);
    assert.ok(!err.includes("\\n"), err);
    assert.match(err, /^pgaudit-posture: Option '--require' argument is ambiguous\.\nDid you forget/);

    err = "";
    // Port 1 on loopback refuses at once: a transient error, retried until the deadline.
    const uri = "postgresql://u:p@127.0.0.1:1/db?sslmode=disable";
    assert.equal(await runPostureCli(["--connection", uri, "--connect-deadline", "0.3"], {}, io), EXIT_USAGE_OR_CONNECTION);
    assert.match(err, /raise --connect-deadline for a slower start/);
    assert.ok(!err.includes("connectDeadlineSeconds"), err);
});
