/**
 * Which PostgreSQL the sandbox runs where: the majors found on a host, the distribution's default
 * read from apt (outputs measured on Debian 12, 13 and forky), `--pg`, and the Debian roots' cache
 * (an incomplete or abandoned build is never taken for a root).
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { defaultMajor } from "../../sandbox/cluster";
import { cacheDir, debianRootDir, debianRootReady, debianSuiteFor, removeAbandonedBuilds } from "../../sandbox/debianRoot";
import { installedMajors, majorFromArgs, newestAvailableMajor, parseDefaultMajor, parseHasCandidate, parseMajor } from "../../sandbox/postgresInstall";

function tempDir(): string {
    return fs.mkdtempSync(path.join(os.tmpdir(), "pginstall-test-"));
}

function touch(file: string): void {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, "");
}

test("installed majors: 15 and newer with both the server and pgaudit, newest first", async () => {
    const lib = tempDir();
    try {
        for (const major of ["13", "15", "17", "18"]) touch(path.join(lib, major, "bin/initdb"));
        for (const major of ["13", "15", "17"]) touch(path.join(lib, major, "lib/pgaudit.so"));
        touch(path.join(lib, "16", "lib/pgaudit.so")); // pgaudit without a server
        fs.mkdirSync(path.join(lib, "latest"));
        assert.deepEqual(installedMajors(lib), [17, 15]);
        assert.equal(await newestAvailableMajor(lib), 17, "the demo takes the newest installed");
        assert.deepEqual(installedMajors(path.join(lib, "missing")), []);
    } finally {
        fs.rmSync(lib, { recursive: true, force: true });
    }
});

test("the distribution's default major, from `apt-cache show --no-all-versions postgresql` as measured", () => {
    // Debian 12 (this host), Debian 13 and forky (inside the roots).
    assert.equal(parseDefaultMajor("Package: postgresql\nVersion: 15+248+deb12u2\nDepends: postgresql-15\nSuggests: postgresql-doc\n"), 15);
    assert.equal(parseDefaultMajor("Package: postgresql\nVersion: 17+278+deb13u1\nDepends: postgresql-17, debconf (>= 0.5) | debconf-2.0\n"), 17);
    assert.equal(parseDefaultMajor("Package: postgresql\nVersion: 18+293\nDepends: postgresql-18, debconf (>= 0.5) | debconf-2.0\n"), 18);
    assert.equal(parseDefaultMajor("Suggests: postgresql-doc-16\n"), undefined, "only Depends names the default");
    assert.equal(parseDefaultMajor(""), undefined, "no apt, or no package lists");
});

test("apt's candidate: installable only when policy names a version", () => {
    const installed = "postgresql-15-pgaudit:\n  Installed: 1.7.0-2\n  Candidate: 1.7.0-2\n  Version table:\n";
    assert.equal(parseHasCandidate(installed), true);
    assert.equal(parseHasCandidate("postgresql-17-pgaudit:\n  Installed: (none)\n  Candidate: (none)\n"), false);
    assert.equal(parseHasCandidate(""), false, "apt-cache policy prints nothing for a package it does not know");
});

test("--pg and PGAUDIT_TEST_PG: a major of 15 or newer, or a clear error", () => {
    assert.equal(majorFromArgs(["node", "run.js", "--engine=host", "--pg", "18"]), 18);
    assert.equal(majorFromArgs(["node", "run.js", "--pg=17"]), 17);
    assert.equal(majorFromArgs(["node", "run.js"]), undefined);
    assert.throws(() => majorFromArgs(["node", "run.js", "--pg"]), /--pg must be a PostgreSQL major version ≥ 15 \(15, 17, 18 everywhere\), not ""/);
    assert.throws(() => parseMajor("14"), /--pg must be a PostgreSQL major version ≥ 15.*not "14"/);
    assert.throws(() => parseMajor("17.2"), /not "17\.2"/);
    assert.equal(defaultMajor({}), 15);
    assert.equal(defaultMajor({ PGAUDIT_TEST_PG: "18" }), 18);
    assert.throws(() => defaultMajor({ PGAUDIT_TEST_PG: "latest" }), /PGAUDIT_TEST_PG must be a PostgreSQL major version/);
});

test("roots are cached outside the clone, one per Debian suite", () => {
    assert.equal(cacheDir({ PULUMI_AIVEN_PGAUDIT_CACHE: "/srv/cache", XDG_CACHE_HOME: "/xdg" }), "/srv/cache");
    assert.equal(cacheDir({ XDG_CACHE_HOME: "/xdg" }), "/xdg/pulumi-aiven-pgaudit");
    assert.equal(cacheDir({}), path.join(os.homedir(), ".cache/pulumi-aiven-pgaudit"));
    assert.equal(debianRootDir(17, { PULUMI_AIVEN_PGAUDIT_CACHE: "/c" }), "/c/pg-roots/trixie");
    assert.deepEqual([15, 17, 18].map(debianSuiteFor), ["bookworm", "trixie", "forky"]);
    assert.throws(() => debianSuiteFor(16), /no Debian root for PostgreSQL 16: roots exist for 15, 17, 18/);
});

test("a root is ready only when complete; builds abandoned by a dead process are removed, a live one's kept", () => {
    const cache = tempDir();
    const env = { PULUMI_AIVEN_PGAUDIT_CACHE: cache };
    try {
        const root = debianRootDir(18, env);
        touch(path.join(root, "usr/lib/postgresql/18/bin/initdb"));
        assert.equal(debianRootReady(18, env), false, "no pgaudit yet");
        touch(path.join(root, "usr/lib/postgresql/18/lib/pgaudit.so"));
        assert.equal(debianRootReady(18, env), true);

        const parent = path.dirname(root);
        // A pid that cannot be alive: above the kernel's pid_max.
        const deadPid = Number(fs.readFileSync("/proc/sys/kernel/pid_max", "utf8")) + 1;
        const abandoned = path.join(parent, `forky.building-${deadPid}-abc123`);
        const live = path.join(parent, `forky.building-${process.pid}-def456`);
        const otherSuite = path.join(parent, `trixie.building-${deadPid}-abc123`);
        for (const dir of [abandoned, live, otherSuite]) touch(path.join(dir, "etc/passwd"));
        removeAbandonedBuilds(parent, "forky");
        assert.equal(fs.existsSync(abandoned), false);
        assert.equal(fs.existsSync(live), true);
        assert.equal(fs.existsSync(otherSuite), true, "only the suite being built is cleaned");
        assert.equal(debianRootReady(18, env), true);
    } finally {
        fs.rmSync(cache, { recursive: true, force: true });
    }
});
