import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { findBinary } from "@anomaly-writer/local-vm";

/** Paths of the PEM files made by makeCertificates. */
export interface TestCertificates {
  readonly dir: string;
  /** The CA that signed the server and client certificates. */
  readonly caFile: string;
  readonly serverCertFile: string;
  readonly serverKeyFile: string;
  readonly clientCertFile: string;
  readonly clientKeyFile: string;
  /** A second, unrelated CA: trusting it must fail against our server. */
  readonly otherCaFile: string;
  /** A client certificate signed by the unrelated CA: our mTLS server must refuse it. */
  readonly otherClientCertFile: string;
  readonly otherClientKeyFile: string;
}

/**
 * Make a CA, a server certificate for 127.0.0.1/localhost, a client certificate, and an
 * unrelated CA with its own client certificate, with openssl, in a new temporary directory.
 */
export function makeCertificates(dir = mkdtempSync(join(tmpdir(), "anomaly-writer-certs-"))): TestCertificates {
  const openssl = findBinary("openssl", "apt-get install openssl");
  const run = (...args: string[]) => execFileSync(openssl, args, { cwd: dir, stdio: ["ignore", "ignore", "pipe"] });
  const path = (name: string) => join(dir, name);
  const newKey = (name: string) => run("ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", path(name));
  const selfSignedCa = (name: string, cn: string) => {
    newKey(`${name}.key`);
    run(
      "req",
      "-x509",
      "-new",
      "-key",
      path(`${name}.key`),
      "-out",
      path(`${name}.crt`),
      "-days",
      "3",
      "-subj",
      `/CN=${cn}`,
      "-addext",
      "basicConstraints=critical,CA:TRUE",
      "-addext",
      "keyUsage=critical,keyCertSign,cRLSign",
    );
  };
  const signed = (name: string, ca: string, cn: string, extensions: string) => {
    newKey(`${name}.key`);
    run("req", "-new", "-key", path(`${name}.key`), "-out", path(`${name}.csr`), "-subj", `/CN=${cn}`);
    writeFileSync(path(`${name}.ext`), extensions);
    run(
      "x509",
      "-req",
      "-in",
      path(`${name}.csr`),
      "-CA",
      path(`${ca}.crt`),
      "-CAkey",
      path(`${ca}.key`),
      "-CAcreateserial",
      "-out",
      path(`${name}.crt`),
      "-days",
      "3",
      "-extfile",
      path(`${name}.ext`),
    );
  };
  selfSignedCa("ca", "anomaly-writer test CA");
  selfSignedCa("other-ca", "anomaly-writer unrelated CA");
  signed(
    "server",
    "ca",
    "127.0.0.1",
    "subjectAltName=IP:127.0.0.1,IP:::1,DNS:localhost\nextendedKeyUsage=serverAuth\n",
  );
  signed("client", "ca", "anomaly-writer-client", "extendedKeyUsage=clientAuth\n");
  signed("other-client", "other-ca", "stranger", "extendedKeyUsage=clientAuth\n");
  return {
    dir,
    caFile: path("ca.crt"),
    serverCertFile: path("server.crt"),
    serverKeyFile: path("server.key"),
    clientCertFile: path("client.crt"),
    clientKeyFile: path("client.key"),
    otherCaFile: path("other-ca.crt"),
    otherClientCertFile: path("other-client.crt"),
    otherClientKeyFile: path("other-client.key"),
  };
}
