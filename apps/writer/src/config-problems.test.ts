import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  makeCertificates,
  startVictoriaMetrics,
  type TestCertificates,
  type VictoriaMetricsServer,
} from "@anomaly-writer/test-stack";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "./testing/run-cli.ts";

// Config mistakes through the built CLI: every warning and error as `file:line:col key.path: message`,
// and `check` (and `serve` at start) refuses files that cannot work, naming the key and the file.
const dir = mkdtempSync(join(tmpdir(), "anomaly-writer-config-problems-"));
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
/** `line:column` of the first `needle` in `text`. */
const at = (text: string, needle: string, occurrence = 1) => {
  let index = -1;
  for (let n = 0; n < occurrence; n++) index = text.indexOf(needle, index + 1);
  if (index === -1) throw new Error(`${needle} not in the config`);
  const before = text.slice(0, index);
  return `${before.split("\n").length}:${index - before.lastIndexOf("\n")}`;
};
/** Writes `text` as a config file; `where(needle)` is `file:line:col` of `needle` in it. */
const config = (name: string, text: string) => {
  const path = file(name, text);
  return { path, where: (needle: string, occurrence?: number) => `${path}:${at(text, needle, occurrence)}` };
};
const warnings = (stderr: string) =>
  stderr
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line) as { level: string; msg: string })
    .filter((entry) => entry.level === "warn")
    .map((entry) => entry.msg);

let vm: VictoriaMetricsServer;
let certs: TestCertificates;
beforeAll(async () => {
  vm = await startVictoriaMetrics();
  certs = makeCertificates();
});
afterAll(async () => {
  await vm?.stop();
});

describe("config warnings and errors", () => {
  it("check accepts a vmanomaly 1.30.3 writer section (batch_max_series, batch_max_bytes, metric_prefix_cache_max_entries) without warnings", async () => {
    const text = `writer:
  class: vm
  datasource_url: ${vm.url}
  metric_format: {__name__: "$VAR", for: "$QUERY_KEY"}
  batch_max_series: 5000
  batch_max_bytes: 1048576
  metric_prefix_cache_max_entries: 20000
  connection_retry_attempts: 2
`;
    const run = await runCli(["check", "-c", config("vmanomaly-1-30.yml", text).path, "--log-format", "json"]);
    expect(run.code).toBe(0);
    expect(warnings(run.stderr)).toEqual([]);
  });

  it("check prints each warning as file:line:col key.path: message, with did-you-mean, never a token", async () => {
    const text = `writer:\n  datasource_url: ${vm.url}\n  verify_ssl: false\n  bearer_token: "  tok-Cli-Spaces-7c1 "\n`;
    const { path, where } = config("warnings.yml", text);
    const run = await runCli(["check", "-c", path, "--log-format", "json"]);
    expect(run.code).toBe(0);
    expect(warnings(run.stderr)).toEqual([
      `${where("verify_ssl")} writer.verify_ssl: is not a writer parameter; it is ignored. Did you mean \`verify_tls\`?`,
      `${where('"  tok')} writer.bearer_token: has surrounding whitespace (spaces, tabs or line breaks); it was removed, since a token never holds any`,
    ]);
    expect(run.stdout + run.stderr).not.toContain("tok-Cli-Spaces-7c1");
    const pretty = await runCli(["check", "-c", path]);
    expect(pretty.stderr).toContain(`${where("verify_ssl")} writer.verify_ssl: is not a writer parameter`);
  });

  it("a typo under ingest_server is an error (exit 2) with did-you-mean at the key; a missing key names the mapping it belongs in", async () => {
    const typo = config(
      "typo.yml",
      `writer:\n  datasource_url: ${vm.url}\ningest_server:\n  bearer_tokn: tok-Typo-1\n`,
    );
    const run = await runCli(["check", "-c", typo.path]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(
      `${typo.where("bearer_tokn")} ingest_server.bearer_tokn: is not an ingest_server parameter: unknown keys are refused in this section (a misspelt key could leave authentication or TLS unset). Did you mean \`bearer_token\`?`,
    );
    const missing = config("missing.yml", `reader:\n  class: vm\nwriter:\n  tenant_id: "0:0"\n`);
    const second = await runCli(["check", "-c", missing.path]);
    expect(second.code).toBe(2);
    expect(second.stderr).toContain(
      `${missing.path} writer.datasource_url (missing; in writer at 3:1): is required for class "vm"`,
    );
  });
});

describe("check loads every certificate, key and CA", () => {
  it("a swapped server certificate and key, a mismatched client pair, a CA file that is not a CA: exit 2 naming key path and file", async () => {
    const text =
      `writer:\n  datasource_url: ${vm.url}\n  tls_cert_file: ${certs.clientCertFile}\n  tls_key_file: ${certs.serverKeyFile}\n` +
      `monitoring:\n  push:\n    url: ${vm.url}\n    verify_tls: ${certs.clientCertFile}\n` +
      `ingest_server:\n  tls_cert_file: ${certs.serverKeyFile}\n  tls_key_file: ${certs.serverCertFile}\n`;
    const { path, where } = config("tls.yml", text);
    const run = await runCli(["check", "-c", path]);
    expect(run.code).toBe(2);
    const lines = run.stderr.trim().split("\n");
    expect(lines).toContain(
      `${where(certs.serverKeyFile)} writer.tls_key_file: file ${certs.serverKeyFile} is not the private key of the certificate "CN=anomaly-writer-client" in tls_cert_file ${certs.clientCertFile}: they do not match`,
    );
    expect(lines).toContain(
      `${where(certs.clientCertFile, 2)} monitoring.push.verify_tls: CA bundle: file ${certs.clientCertFile} holds no CA certificate: "CN=anomaly-writer-client" (issued by "CN=anomaly-writer test CA") is neither a CA (basicConstraints CA:TRUE) nor self-signed; name the certificate of the CA that signed it`,
    );
    expect(lines).toContain(
      `${where(certs.serverKeyFile, 2)} ingest_server.tls_cert_file: file ${certs.serverKeyFile} holds a private key, not a certificate: are the certificate and key files swapped?`,
    );
    expect(lines).toContain(
      `${where(certs.serverCertFile)} ingest_server.tls_key_file: file ${certs.serverCertFile} holds a certificate, not a private key: are the certificate and key files swapped?`,
    );
    expect(run.stdout).toBe("");
  });

  it("an empty token file: exit 2 naming key path and file", async () => {
    const empty = file("empty-token", "\n");
    const text = `writer:\n  datasource_url: ${vm.url}\n  bearer_token_file: ${empty}\ningest_server:\n  bearer_token_file: ${empty}\n`;
    const { path, where } = config("empty-token.yml", text);
    const run = await runCli(["check", "-c", path]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`${where(empty)} writer.bearer_token_file: file ${empty} is empty: it holds no token`);
    expect(run.stderr).toContain(
      `${where(empty, 2)} ingest_server.bearer_token_file: file ${empty} is empty: it holds no token`,
    );
  });

  it("serve refuses the same at start with the same named error, before listening", async () => {
    const text = `writer:\n  datasource_url: ${vm.url}\ningest_server:\n  tls_cert_file: ${certs.serverCertFile}\n  tls_key_file: ${certs.clientKeyFile}\n`;
    const { path, where } = config("serve-tls.yml", text);
    const mismatch = `${where(certs.clientKeyFile)} ingest_server.tls_key_file: file ${certs.clientKeyFile} is not the private key of the certificate "CN=127.0.0.1" in tls_cert_file ${certs.serverCertFile}: they do not match`;
    const serve = await runCli(["serve", "-c", path, "--listen", "127.0.0.1:0"]);
    expect(serve.code).toBe(2);
    expect(serve.stderr).toContain(mismatch);
    expect(serve.stderr).not.toContain("serving");
    const check = await runCli(["check", "-c", path]);
    expect(check.code).toBe(2);
    expect(check.stderr).toContain(mismatch);
  });
});
