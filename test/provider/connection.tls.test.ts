/**
 * TLS as the connection asks: verify-full checks the chain against caCert and the host name,
 * verify-ca the chain only, require encrypts without verifying (unless a CA is given), disable
 * only when asked. The server gets a certificate from a throwaway CA made here with openssl.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { closeAllPools, pgAuditSettingProvider as provider } from "../../provider";
import { startCluster, type TestCluster } from "../../sandbox/cluster";
import { checked } from "../support/scopes";
import { without } from "../support/without";

let cluster: TestCluster;
let dir: string;
let ca: string;
let otherCa: string;

function openssl(...args: string[]) {
    execFileSync("openssl", args, { cwd: dir, stdio: "pipe" });
}

/** A CA, and a server certificate it signs for 127.0.0.1 and localhost. */
function makeCertificates() {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "pgaudit-tls-"));
    fs.chmodSync(dir, 0o755);
    for (const name of ["ca", "other-ca"]) {
        openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", `/CN=${name}`, "-keyout", `${name}.key`, "-out", `${name}.crt`);
    }
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1", "-keyout", "server.key", "-out", "server.csr");
    fs.writeFileSync(path.join(dir, "san.ext"), "subjectAltName=IP:127.0.0.1,DNS:localhost\n");
    openssl(
        "x509",
        "-req",
        "-in",
        "server.csr",
        "-CA",
        "ca.crt",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-days",
        "2",
        "-extfile",
        "san.ext",
        "-out",
        "server.crt",
    );
    ca = fs.readFileSync(path.join(dir, "ca.crt"), "utf8");
    otherCa = fs.readFileSync(path.join(dir, "other-ca.crt"), "utf8");
}

before(async () => {
    makeCertificates();
    cluster = await startCluster();
    // 127.0.0.2 is this machine too, but not a name the certificate gives. The files go where the
    // server can read them (inside its Debian root on 17 and 18), the key private to its OS user.
    const tls = {
        ssl: "on",
        ssl_cert_file: cluster.serverFile("server.crt", fs.readFileSync(path.join(dir, "server.crt"))),
        ssl_key_file: cluster.serverFile("server.key", fs.readFileSync(path.join(dir, "server.key"))),
    };
    await cluster.restart({ settings: { ...tls, listen_addresses: "127.0.0.1,127.0.0.2" } });
    await cluster.adminSql(`CREATE ROLE app LOGIN`);
});
after(async () => {
    await closeAllPools();
    await cluster.stop();
    fs.rmSync(dir, { recursive: true, force: true });
});

async function roundTrip(connection: Record<string, unknown>) {
    const made = await provider.create(await checked({ connection, role: "app", settings: { log: ["ddl"] }, connectDeadlineSeconds: 2 }));
    await provider.delete!(made.id, made.outs);
}

test("verify-full with the right CA connects; the sslMode defaults to it when a CA is given", async () => {
    const base = without(cluster.adminConnection(), "sslMode");
    const inputs = await checked({ connection: { ...base, caCert: ca }, role: "app", settings: { log: ["ddl"] } });
    assert.equal((inputs.connection as { sslMode: string }).sslMode, "verify-full");
    await roundTrip({ ...base, caCert: ca });
});

test("verify-full with another CA is refused, naming the certificate problem", async () => {
    const base = without(cluster.adminConnection(), "sslMode");
    await assert.rejects(
        roundTrip({ ...base, caCert: otherCa }),
        /could not connect to avnadmin@127\.0\.0\.1:\d+\/postgres \(sslMode verify-full\).*(self-signed|unable to verify|certificate)/i,
    );
});

test("verify-full checks the host name; verify-ca checks only the chain", async () => {
    const base = without(cluster.adminConnection(), "sslMode");
    await assert.rejects(roundTrip({ ...base, host: "127.0.0.2", caCert: ca, sslMode: "verify-full" }), /sslMode verify-full.*(altnames|IP: 127\.0\.0\.2)/i);
    await roundTrip({ ...base, host: "127.0.0.2", caCert: ca, sslMode: "verify-ca" });
});

test("require encrypts without verifying; disable only when asked", async () => {
    const base = cluster.adminConnection();
    await roundTrip({ ...base, sslMode: "require" });
    await roundTrip({ ...base, sslMode: "disable" });
    // With a CA, require verifies the chain as libpq does.
    await assert.rejects(roundTrip({ ...base, sslMode: "require", caCert: otherCa }), /sslMode require/);
});
