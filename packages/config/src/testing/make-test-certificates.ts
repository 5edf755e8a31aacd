import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** PEM files made by {@link makeTestCertificates}. */
export interface TestCertificateFiles {
  readonly dir: string;
  /** A CA (basicConstraints CA:TRUE) and the server certificate it signed, with its key. */
  readonly caFile: string;
  readonly serverCertFile: string;
  readonly serverKeyFile: string;
  /** A key that belongs to no certificate here. */
  readonly otherKeyFile: string;
  /** A self-signed certificate that is not a CA (CA:FALSE): usable as the trust anchor of itself. */
  readonly selfSignedLeafFile: string;
  /** The server key encrypted with a passphrase. */
  readonly encryptedKeyFile: string;
  /** The CA, then the server certificate: a bundle with one CA in it. */
  readonly bundleFile: string;
}

/**
 * Real certificates and keys made with openssl (`openssl` must be on the PATH), in a new
 * temporary directory (or `dir`). The config package's own helper: it may not depend on the test stack.
 */
export function makeTestCertificates(
  dir = mkdtempSync(join(tmpdir(), "anomaly-writer-config-certs-")),
): TestCertificateFiles {
  const run = (...args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: ["ignore", "ignore", "pipe"] });
  const path = (name: string) => join(dir, name);
  const newKey = (name: string) => run("ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", path(name));
  newKey("ca.key");
  run(
    "req",
    "-x509",
    "-new",
    "-key",
    "ca.key",
    "-out",
    "ca.crt",
    "-days",
    "3",
    "-subj",
    "/CN=config test CA",
    "-addext",
    "basicConstraints=critical,CA:TRUE",
    "-addext",
    "keyUsage=critical,keyCertSign,cRLSign",
  );
  newKey("server.key");
  run("req", "-new", "-key", "server.key", "-out", "server.csr", "-subj", "/CN=127.0.0.1");
  writeFileSync(path("server.ext"), "basicConstraints=CA:FALSE\nsubjectAltName=IP:127.0.0.1\n");
  run(
    "x509",
    "-req",
    "-in",
    "server.csr",
    "-CA",
    "ca.crt",
    "-CAkey",
    "ca.key",
    "-CAcreateserial",
    "-out",
    "server.crt",
    "-days",
    "3",
    "-extfile",
    "server.ext",
  );
  newKey("other.key");
  newKey("leaf.key");
  run(
    "req",
    "-x509",
    "-new",
    "-key",
    "leaf.key",
    "-out",
    "leaf.crt",
    "-days",
    "3",
    "-subj",
    "/CN=self-signed leaf",
    "-addext",
    "basicConstraints=critical,CA:FALSE",
  );
  run("pkcs8", "-topk8", "-in", "server.key", "-out", "encrypted.key", "-passout", "pass:config-test");
  writeFileSync(
    path("bundle.crt"),
    `${readFileSync(path("ca.crt"), "utf8")}${readFileSync(path("server.crt"), "utf8")}`,
  );
  return {
    dir,
    caFile: path("ca.crt"),
    serverCertFile: path("server.crt"),
    serverKeyFile: path("server.key"),
    otherKeyFile: path("other.key"),
    selfSignedLeafFile: path("leaf.crt"),
    encryptedKeyFile: path("encrypted.key"),
    bundleFile: path("bundle.crt"),
  };
}
