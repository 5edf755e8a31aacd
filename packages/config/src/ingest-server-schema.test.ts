import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseConfig, safeParseConfig } from "./parse-config.ts";
import { redactConfig } from "./redact-config.ts";
import { expectIssues } from "./testing/expect-issue.ts";

const WRITER = "writer:\n  datasource_url: http://vm:8428\n";
/** A config with the writer section and an `ingest_server:` section made of `lines` (each indented by two spaces). */
const withSection = (...lines: string[]) => `${WRITER}ingest_server:\n${lines.map((line) => `  ${line}\n`).join("")}`;
const parse = (text: string, env: Record<string, string> = {}) =>
  parseConfig(text, { checkFiles: false, env, cwd: "/etc/aw" });

const DEFAULTS = {
  listen: { host: "127.0.0.1", port: 8490 },
  users: [],
  timeoutMs: 30_000,
  maxBodyBytes: 32 * 1024 * 1024,
  maxRecordsPerRequest: 10_000,
  maxSeriesPerRequest: 50_000,
  maxConcurrentRequests: 8,
  accessLog: true,
};

describe("ingest_server:", () => {
  it("is all defaults when absent or empty", () => {
    expect(parse(WRITER).ingestServer).toEqual(DEFAULTS);
    expect(parse(`${WRITER}ingest_server:\n`).ingestServer).toEqual(DEFAULTS);
  });

  it("resolves every key", () => {
    const config = parse(
      withSection(
        'listen: "0.0.0.0:9443"',
        "bearer_token: tok-1",
        "bearer_token_file: secrets/tokens",
        "users:",
        "  - user: svc",
        "    password: pw-1",
        "  - {user: ops, password: pw-2}",
        "tls_cert_file: tls/server.crt",
        "tls_key_file: /tls/server.key",
        "tls_client_ca_file: tls/clients-ca.crt",
        "timeout: 10s",
        "max_body_size: 4MiB",
        "max_records_per_request: 100",
        "max_series_per_request: 500",
        "max_concurrent_requests: 2",
        "access_log: false",
      ),
    );
    expect(config.ingestServer).toEqual({
      listen: { host: "0.0.0.0", port: 9443 },
      bearerToken: "tok-1",
      bearerTokenFile: "/etc/aw/secrets/tokens",
      users: [
        { user: "svc", password: "pw-1" },
        { user: "ops", password: "pw-2" },
      ],
      tlsCertFile: "/etc/aw/tls/server.crt",
      tlsKeyFile: "/tls/server.key",
      tlsClientCaFile: "/etc/aw/tls/clients-ca.crt",
      timeoutMs: 10_000,
      maxBodyBytes: 4 * 1024 * 1024,
      maxRecordsPerRequest: 100,
      maxSeriesPerRequest: 500,
      maxConcurrentRequests: 2,
      accessLog: false,
    });
    expect(config.warnings).toEqual([]);
  });

  it.each([
    ["1048576", 1_048_576],
    ['"512KiB"', 512 * 1024],
    ['"10MB"', 10_000_000],
    ['"1GiB"', 1024 ** 3],
    ['"1.5 kib"', 1536],
    ['"2048"', 2048],
  ])("reads max_body_size %s", (text, bytes) => {
    expect(parse(withSection(`max_body_size: ${text}`)).ingestServer.maxBodyBytes).toBe(bytes);
  });

  it.each([
    ['"[::1]:8490"', { host: "::1", port: 8490 }],
    ['":8490"', { host: "127.0.0.1", port: 8490 }],
    ["localhost:0", { host: "localhost", port: 0 }],
  ])("reads listen %s", (text, listen) => {
    expect(parse(withSection(`listen: ${text}`)).ingestServer.listen).toEqual(listen);
  });

  it("reports every wrong value at its line and column", () => {
    const text = withSection(
      "listen: 8490",
      'max_body_size: "32 parsecs"',
      "max_records_per_request: 0.5",
      "max_concurrent_requests: -1",
      "timeout: soon",
      "access_log: maybe",
    );
    expectIssues(text, [
      { path: "ingest_server.listen", needle: "8490", message: "must be HOST:PORT" },
      { path: "ingest_server.max_body_size", needle: '"32 parsecs"', message: "32MiB" },
      { path: "ingest_server.max_records_per_request", needle: "0.5", message: "integer >= 1" },
      { path: "ingest_server.max_concurrent_requests", needle: "-1", message: "integer >= 1" },
      { path: "ingest_server.timeout", needle: "soon", message: "not a duration" },
      { path: "ingest_server.access_log", needle: "maybe", message: "true or false" },
    ]);
  });

  it("needs both halves of the server certificate, and TLS for client certificates", () => {
    expectIssues(withSection("tls_cert_file: a.crt"), [
      { path: "ingest_server.tls_cert_file", needle: "a.crt", message: "tls_key_file is not" },
    ]);
    expectIssues(withSection("tls_key_file: a.key", "tls_client_ca_file: ca.crt"), [
      { path: "ingest_server.tls_key_file", needle: "a.key", message: "tls_cert_file is not" },
      { path: "ingest_server.tls_client_ca_file", needle: "ca.crt", message: "only over TLS" },
    ]);
  });

  it("checks that the files it names exist and hold what they should", () => {
    const dir = mkdtempSync(join(tmpdir(), "ingest-server-schema-"));
    writeFileSync(join(dir, "server.crt"), "x");
    const text = withSection("tls_cert_file: server.crt", "tls_key_file: missing.key", "bearer_token_file: tokens.txt");
    const result = safeParseConfig(text, { cwd: dir });
    expect(result.success).toBe(false);
    if (result.success) return;
    expect(result.issues.map((i) => `${i.path}: ${i.message}`)).toEqual([
      `ingest_server.tls_cert_file: file ${join(dir, "server.crt")} holds no PEM certificate (-----BEGIN CERTIFICATE-----)`,
      `ingest_server.tls_key_file: file ${join(dir, "missing.key")} does not exist`,
      `ingest_server.bearer_token_file: file ${join(dir, "tokens.txt")} does not exist`,
    ]);
  });

  it("rejects users without a name or password, with ':' in the name, named twice, or not a list", () => {
    const text = withSection(
      "users:",
      "  - user: svc",
      "  - password: only-a-password",
      "  - user: a:b",
      "    password: x",
      "  - user: svc",
      "    password: y",
    );
    const error = expectIssues(text, [
      { path: "ingest_server.users.2.user", needle: "a:b", message: "must not contain ':'" },
    ]);
    const messages = error.issues.map((i) => `${i.path}: ${i.message}`);
    expect(messages).toContain(
      "ingest_server.users.0.password: is required (missing or empty): empty passwords are not accepted",
    );
    expect(messages).toContain("ingest_server.users.1.user: is required (missing or empty): the basic auth user name");
    expect(error.message).not.toContain("only-a-password");
    expectIssues(withSection("users: svc"), [
      { path: "ingest_server.users", needle: "svc", message: "must be a list of {user, password}" },
    ]);
    expectIssues(withSection("users:", "  - {user: a, password: p}", "  - {user: a, password: q}"), [
      { path: "ingest_server.users.1.user", needle: "a, password: q", message: 'names user "a" a second time' },
    ]);
  });

  it("a user entry without a password: missing in that entry, at the entry's position", () => {
    const text = withSection("users:", "  - user: svc", "    password: p", "  - user: ops");
    expectIssues(text, [
      {
        path: "ingest_server.users.1.password",
        needle: "user: ops",
        missingIn: "ingest_server.users.1",
        message: "is required",
      },
    ]);
  });

  it("refuses unknown keys (a misspelt credential must not leave the endpoint open), with did-you-mean, at the key", () => {
    const text = withSection(
      "max_body_sise: 1024",
      "bearer_tokn: x",
      "users:",
      "  - user: svc",
      "    password: p",
      "    pasword: q",
    );
    const refused = "unknown keys are refused in this section (a misspelt key could leave authentication or TLS unset)";
    const error = expectIssues(
      text,
      [
        {
          path: "ingest_server.max_body_sise",
          needle: "max_body_sise",
          message: `is not an ingest_server parameter: ${refused}. Did you mean \`max_body_size\`?`,
        },
        { path: "ingest_server.bearer_tokn", needle: "bearer_tokn", message: "Did you mean `bearer_token`?" },
        {
          path: "ingest_server.users.0.pasword",
          needle: "pasword",
          message: "is not an ingest_server.users parameter: unknown keys are refused",
        },
      ],
      { path: "/etc/aw/vmanomaly.yml" },
    );
    expect(error.message).toContain(
      `/etc/aw/vmanomaly.yml:4:3 ingest_server.max_body_sise: is not an ingest_server parameter: ${refused}`,
    );
    expect(error.issues).toHaveLength(3);
    expect(error.warnings).toEqual([]);
  });

  it("refuses a top-level section that looks like a misspelt ingest_server; other near misses warn", () => {
    const text = `${WRITER}ingest_sever:\n  bearer_token: x\nmonitorng:\n  pull: {}\nserver:\n  port: 8490\n`;
    expectIssues(text, [
      {
        path: "ingest_sever",
        needle: "ingest_sever",
        message: "Did you mean `ingest_server`? A misspelt ingest_server section",
      },
    ]);
    const { warnings } = parse(`${WRITER}monitorng:\n  pull: {}\nserver:\n  port: 8490\n`);
    expect(warnings.map((w) => `${w.kind} ${w.path} ${w.line}:${w.column}: ${w.message}`)).toEqual([
      "unknown-key monitorng 3:1: is not a section of the config; it is ignored. Did you mean `monitoring`?",
    ]);
  });

  it("expands %{ENV} in secrets and never shows them in messages", () => {
    const text = withSection(
      "bearer_token: %{INGEST_TOKEN}",
      "users:",
      "  - user: svc",
      "    password: %{INGEST_PASSWORD}",
      "listen: nope",
    );
    const env = { INGEST_TOKEN: "tok-from-env-123", INGEST_PASSWORD: "pw-from-env-456" };
    const result = safeParseConfig(text, { env, checkFiles: false });
    expect(result.success).toBe(false);
    expect(JSON.stringify(result)).not.toContain("tok-from-env-123");
    const ok = parse(text.replace("listen: nope", "listen: 127.0.0.1:1"), env).ingestServer;
    expect(ok.bearerToken).toBe("tok-from-env-123");
    expect(ok.users).toEqual([{ user: "svc", password: "pw-from-env-456" }]);
    const redacted = JSON.stringify(redactConfig(parse(text.replace("listen: nope", "listen: 127.0.0.1:1"), env)));
    expect(redacted).not.toContain("tok-from-env-123");
    expect(redacted).not.toContain("pw-from-env-456");
    expect(redacted).toContain('"user":"svc"');
  });

  it("leaves vmanomaly's own server: section alone (its keys neither warn nor configure serve)", () => {
    const config = parse(
      `${WRITER}server:\n  port: 8490\n  addr: 0.0.0.0\n  path_prefix: /vmanomaly\n  max_concurrent_tasks: 4\n  ui_default_state: "#/?x=1"\n  uvicorn_config:\n    log_level: warning\n`,
    );
    expect(config.warnings).toEqual([]);
    expect(config.ingestServer).toEqual(DEFAULTS);
  });
});
