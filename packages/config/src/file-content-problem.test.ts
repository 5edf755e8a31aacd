import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { formatConfigIssue } from "./errors.ts";
import { parseConfig, safeParseConfig } from "./parse-config.ts";
import { makeTestCertificates, type TestCertificateFiles } from "./testing/make-test-certificates.ts";
import { positionOf } from "./testing/position-of.ts";

// With checkFiles on (the default), the files named by the config must hold what they are for:
// real certificates and keys made with openssl, checked with node:crypto.
const CONFIG = "/etc/anomaly-writer/vmanomaly.yml";
let certs: TestCertificateFiles;
let dir: string;
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

beforeAll(() => {
  certs = makeTestCertificates();
  dir = mkdtempSync(join(tmpdir(), "anomaly-writer-config-content-"));
});
afterAll(() => {
  rmSync(certs.dir, { recursive: true, force: true });
  rmSync(dir, { recursive: true, force: true });
});

/** Every issue of `text` as `file:line:col path: message`. */
function problems(text: string): string[] {
  const result = safeParseConfig(text, { path: CONFIG, cwd: dir });
  return result.success ? [] : result.issues.map(formatConfigIssue);
}
/** `file:line:col path: ` of the value `needle` in `text`. */
const at = (text: string, needle: string, path: string) => `${CONFIG}:${positionOf(text, needle).at} ${path}: `;

const WRITER = "writer:\n  datasource_url: https://vm:8428\n";

describe("certificate and key pairs", () => {
  it("a swapped writer certificate and key: each is named at its value", () => {
    const text = `${WRITER}  tls_cert_file: ${certs.serverKeyFile}\n  tls_key_file: ${certs.serverCertFile}\n`;
    expect(problems(text)).toEqual([
      `${at(text, certs.serverKeyFile, "writer.tls_cert_file")}file ${certs.serverKeyFile} holds a private key, not a certificate: are the certificate and key files swapped?`,
      `${at(text, certs.serverCertFile, "writer.tls_key_file")}file ${certs.serverCertFile} holds a certificate, not a private key: are the certificate and key files swapped?`,
    ]);
  });

  it("a key that is not the certificate's, in writer, monitoring.push and ingest_server", () => {
    const pair = `tls_cert_file: ${certs.serverCertFile}\n{i}tls_key_file: ${certs.otherKeyFile}\n`;
    const text =
      `${WRITER}  ${pair.replace("{i}", "  ")}` +
      `monitoring:\n  push:\n    url: http://vm:8428\n    ${pair.replace("{i}", "    ")}` +
      `ingest_server:\n  ${pair.replace("{i}", "  ")}`;
    const mismatch = `file ${certs.otherKeyFile} is not the private key of the certificate "CN=127.0.0.1" in tls_cert_file ${certs.serverCertFile}: they do not match`;
    const position = (n: number) => positionOf(text, certs.otherKeyFile, n).at;
    expect(problems(text)).toEqual([
      `${CONFIG}:${position(1)} writer.tls_key_file: ${mismatch}`,
      `${CONFIG}:${position(2)} monitoring.push.tls_key_file: ${mismatch}`,
      `${CONFIG}:${position(3)} ingest_server.tls_key_file: ${mismatch}`,
    ]);
  });

  it("a matching pair is accepted; a key file that also holds the certificate too", () => {
    const combined = file("combined.pem", `${readText(certs.serverCertFile)}${readText(certs.serverKeyFile)}`);
    const text = `${WRITER}ingest_server:\n  tls_cert_file: ${certs.serverCertFile}\n  tls_key_file: ${combined}\n`;
    expect(parseConfig(text, { cwd: dir }).ingestServer).toMatchObject({
      tlsCertFile: certs.serverCertFile,
      tlsKeyFile: combined,
    });
  });

  it("an unparsable certificate, a file without PEM, an encrypted key, an empty file", () => {
    const broken = file("broken.crt", "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n");
    const notPem = file("der.crt", "0\x82\x01\x0a binary");
    const empty = file("empty.key", "\n");
    const text =
      `${WRITER}  tls_cert_file: ${broken}\n  tls_key_file: ${certs.encryptedKeyFile}\n` +
      `ingest_server:\n  tls_cert_file: ${notPem}\n  tls_key_file: ${empty}\n`;
    expect(problems(text)).toEqual([
      expect.stringMatching(
        new RegExp(
          `^${escapeText(at(text, broken, "writer.tls_cert_file"))}file ${escapeText(broken)}: its certificate cannot be parsed \\(.+\\)$`,
        ),
      ),
      `${at(text, certs.encryptedKeyFile, "writer.tls_key_file")}file ${certs.encryptedKeyFile} holds a private key encrypted with a passphrase, which is not supported: decrypt it (openssl pkey -in KEY -out KEY.plain)`,
      `${at(text, notPem, "ingest_server.tls_cert_file")}file ${notPem} holds no PEM certificate (-----BEGIN CERTIFICATE-----)`,
      `${at(text, empty, "ingest_server.tls_key_file")}file ${empty} is empty: it holds no private key`,
    ]);
  });
});

describe("CA files", () => {
  it("verify_tls and tls_client_ca_file must hold a CA certificate", () => {
    const text =
      `${WRITER}  verify_tls: ${certs.serverCertFile}\n` +
      `ingest_server:\n  tls_cert_file: ${certs.serverCertFile}\n  tls_key_file: ${certs.serverKeyFile}\n  tls_client_ca_file: ${certs.serverKeyFile}\n`;
    const notCa = `file ${certs.serverCertFile} holds no CA certificate: "CN=127.0.0.1" (issued by "CN=config test CA") is neither a CA (basicConstraints CA:TRUE) nor self-signed; name the certificate of the CA that signed it`;
    expect(problems(text)).toEqual([
      `${at(text, certs.serverCertFile, "writer.verify_tls")}CA bundle: ${notCa}`,
      `${CONFIG}:${positionOf(text, certs.serverKeyFile, 2).at} ingest_server.tls_client_ca_file: file ${certs.serverKeyFile} holds a private key, not a CA certificate: are the certificate and key files swapped?`,
    ]);
  });

  it("accepts a CA, a bundle with a CA in it, and a self-signed certificate (its own trust anchor)", () => {
    for (const ca of [certs.caFile, certs.bundleFile, certs.selfSignedLeafFile]) {
      const text = `${WRITER}  verify_tls: ${ca}\nmonitoring:\n  push:\n    url: https://vm:8428\n    verify_tls: ${ca}\n`;
      expect(parseConfig(text).writer.verifyTls).toBe(ca);
    }
  });
});

describe("token files", () => {
  it("an empty or blank bearer_token_file is refused in writer, monitoring.push and ingest_server", () => {
    const empty = file("empty-token", "");
    const blank = file("blank-token", " \n\t\n");
    const text =
      `${WRITER}  bearer_token_file: ${empty}\n` +
      `monitoring:\n  push:\n    url: http://vm:8428\n    bearer_token_file: ${blank}\n` +
      `ingest_server:\n  bearer_token_file: ${blank}\n`;
    expect(problems(text)).toEqual([
      `${at(text, empty, "writer.bearer_token_file")}file ${empty} is empty: it holds no token`,
      `${at(text, blank, "monitoring.push.bearer_token_file")}file ${blank} is empty: it holds no token`,
      `${CONFIG}:${positionOf(text, blank, 2).at} ingest_server.bearer_token_file: file ${blank} is empty: it holds no token`,
    ]);
  });

  it("a client token file holds one token; the ingest server's holds one per line", () => {
    const two = file("two-tokens", "token-one\ntoken-two\n");
    const text = `${WRITER}  bearer_token_file: ${two}\ningest_server:\n  bearer_token_file: ${two}\n`;
    expect(problems(text)).toEqual([
      `${at(text, two, "writer.bearer_token_file")}file ${two} holds several lines: a bearer_token_file holds one token`,
    ]);
    expect(parseConfig(`${WRITER}ingest_server:\n  bearer_token_file: ${two}\n`).ingestServer.bearerTokenFile).toBe(
      two,
    );
  });

  it("messages never show what a file holds", () => {
    const secret = file("secret-token", "tok-Never-Shown-4b1e9\ntok-Never-Shown-2\n");
    const result = safeParseConfig(
      `${WRITER}  bearer_token_file: ${secret}\n  tls_cert_file: ${secret}\n  tls_key_file: ${secret}\n`,
    );
    expect(result.success).toBe(false);
    expect(JSON.stringify(result)).not.toContain("tok-Never-Shown");
  });
});

it("checkFiles: false reads none of these files", () => {
  const text = `${WRITER}  tls_cert_file: ${certs.serverKeyFile}\n  tls_key_file: ${certs.serverCertFile}\n  verify_tls: ${certs.serverKeyFile}\n`;
  expect(parseConfig(text, { checkFiles: false }).writer.tlsCertFile).toBe(certs.serverKeyFile);
});

function readText(path: string): string {
  return readFileSync(path, "utf8");
}

function escapeText(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
