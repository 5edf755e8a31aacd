import { describe, expect, it } from "vitest";
import { parseConfig } from "./parse-config.ts";
import { expectIssues } from "./testing/expect-issue.ts";
import { positionOf } from "./testing/position-of.ts";
import { parseUnchecked as parse, writerYaml as writer } from "./testing/writer-yaml.ts";

// The writer's HTTP client keys: credentials, timeout, TLS and retries.

describe("writer.user and password", () => {
  it("takes basic auth", () => {
    expect(parse(writer("user: foo", "password: bar")).writer).toMatchObject({ user: "foo", password: "bar" });
  });

  it("allows a user without password (empty password)", () => {
    const config = parse(writer("user: foo"));
    expect(config.writer.user).toBe("foo");
    expect(config.writer.password).toBeUndefined();
    expect(config.warnings).toEqual([]);
  });

  it("a password without user warns and sends an empty user name", () => {
    const text = writer("password: bar");
    const config = parse(text);
    expect(config.writer).toMatchObject({ user: "", password: "bar" });
    const position = positionOf(text, "password");
    expect(config.warnings).toEqual([
      expect.objectContaining({
        kind: "password-without-user",
        path: "writer.password",
        line: position.line,
        column: position.column,
      }),
    ]);
  });

  it("rejects an unquoted numeric password without showing it", () => {
    const text = writer("user: foo", "password: 918273");
    const error = expectIssues(text, [
      { path: "writer.password", needle: "918273", message: "must be a string, got a number (quote it)" },
    ]);
    expect(error.message).not.toContain("918273");
  });
});

describe("writer.bearer_token and bearer_token_file", () => {
  it("takes a token", () => {
    expect(parse(writer("bearer_token: abc")).writer.bearerToken).toBe("abc");
  });

  it("resolves bearer_token_file against cwd", () => {
    const config = parseConfig(writer("bearer_token_file: secrets/token"), { checkFiles: false, cwd: "/srv/app" });
    expect(config.writer.bearerTokenFile).toBe("/srv/app/secrets/token");
  });

  it("rejects both together, without showing the token", () => {
    const text = writer("bearer_token: t0ps3cr3t", "bearer_token_file: /run/token");
    const error = expectIssues(text, [
      { path: "writer.bearer_token_file", needle: "/run/token", message: "together with bearer_token" },
    ]);
    expect(error.message).not.toContain("t0ps3cr3t");
  });

  it("rejects a token together with basic auth", () => {
    const text = writer("user: u", "password: p", "bearer_token: xyzzy");
    expectIssues(text, [
      { path: "writer.bearer_token", needle: "xyzzy", message: "cannot be combined with user/password" },
    ]);
  });
});

describe("writer.timeout", () => {
  it.each([
    ["500ms", 500],
    ["5s", 5000],
    ["1m", 60_000],
    ["1h30m", 5_400_000],
    ["1.5s", 1500],
    ["10", 10_000],
    ["'10'", 10_000],
    ["0.25", 250],
  ])("reads %s as %d ms", (written, ms) => {
    expect(parse(writer(`timeout: ${written}`)).writer.timeoutMs).toBe(ms);
  });

  it.each([
    ["fast", "is not a duration"],
    ["0s", "must be greater than 0"],
    ["0", "must be a positive duration"],
    ["-5s", "is negative"],
    ["5 s", "is not a duration"],
    ["true", "got a boolean"],
  ])("rejects %s", (written, message) => {
    expectIssues(writer(`timeout: ${written}`), [{ path: "writer.timeout", needle: written, message }]);
  });
});

describe("writer.verify_tls", () => {
  it.each([
    ["true", true],
    ["false", false],
    ["True", true],
    ["False", false],
    ['"false"', false],
    ['"TRUE"', true],
    ['""', true],
  ])("reads %s as %s", (written, value) => {
    expect(parse(writer(`verify_tls: ${written}`)).writer.verifyTls).toBe(value);
  });

  it("takes a CA bundle path, resolved against cwd", () => {
    const config = parseConfig(writer("verify_tls: certs/ca.crt"), { checkFiles: false, cwd: "/srv" });
    expect(config.writer.verifyTls).toBe("/srv/certs/ca.crt");
  });

  it.each(["1", "[x]"])("rejects %s", (written) => {
    expectIssues(writer(`verify_tls: ${written}`), [
      { path: "writer.verify_tls", needle: written, message: "must be true, false or the path" },
    ]);
  });
});

describe("writer.tls_cert_file and tls_key_file", () => {
  it("take a client certificate and key", () => {
    const config = parseConfig(writer("tls_cert_file: client.crt", "tls_key_file: /abs/client.key"), {
      checkFiles: false,
      cwd: "/etc/vm",
    });
    expect(config.writer).toMatchObject({ tlsCertFile: "/etc/vm/client.crt", tlsKeyFile: "/abs/client.key" });
  });

  it("a certificate without key is an error", () => {
    const text = writer("tls_cert_file: client.crt");
    expectIssues(text, [{ path: "writer.tls_cert_file", needle: "client.crt", message: "tls_key_file is not" }]);
  });

  it("a key without certificate is an error", () => {
    const text = writer("tls_key_file: client.key");
    expectIssues(text, [{ path: "writer.tls_key_file", needle: "client.key", message: "tls_cert_file is not" }]);
  });
});

describe("writer.connection_retry_attempts", () => {
  it("defaults to 1 and takes an integer", () => {
    expect(parse(writer("connection_retry_attempts: 3")).writer.connectionRetryAttempts).toBe(3);
  });

  it.each(["0", "-1", "1.5", "'2'"])("rejects %s", (written) => {
    expectIssues(writer(`connection_retry_attempts: ${written}`), [
      { path: "writer.connection_retry_attempts", needle: written, message: "must be an integer >= 1" },
    ]);
  });
});
