import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseConfig } from "./parse-config.ts";
import { expectIssues } from "./testing/expect-issue.ts";
import { makeTestCertificates } from "./testing/make-test-certificates.ts";

// Files named by the config (verify_tls CA, tls_cert_file, tls_key_file, bearer_token_file) must
// exist and be readable when checkFiles is on (the default).
describe("files named by the config", () => {
  let dir: string;
  const isRoot = process.getuid?.() === 0;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "anomaly-writer-config-"));
    const certs = makeTestCertificates(dir);
    copyFileSync(certs.serverCertFile, join(dir, "client.crt"));
    copyFileSync(certs.serverKeyFile, join(dir, "client.key"));
    writeFileSync(join(dir, "token"), "a-token\n");
    mkdirSync(join(dir, "a-directory"));
    copyFileSync(certs.serverKeyFile, join(dir, "locked.key"));
    chmodSync(join(dir, "locked.key"), 0o000);
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  const text = (lines: string) => `writer:\n  datasource_url: https://vm:8428\n${lines}`;

  it("accepts existing files, relative ones resolved against cwd", () => {
    const config = parseConfig(
      text(
        "  verify_tls: ca.crt\n  tls_cert_file: client.crt\n  tls_key_file: ./client.key\n  bearer_token_file: token\n",
      ),
      { cwd: dir },
    );
    expect(config.writer).toMatchObject({
      verifyTls: join(dir, "ca.crt"),
      tlsCertFile: join(dir, "client.crt"),
      tlsKeyFile: join(dir, "client.key"),
      bearerTokenFile: join(dir, "token"),
    });
  });

  it("the same files in monitoring.push", () => {
    const config = parseConfig(
      `${text("")}monitoring:\n  push:\n    url: http://vm:8428\n    verify_tls: ${dir}/ca.crt\n    tls_cert_file: client.crt\n    tls_key_file: client.key\n`,
      { cwd: dir },
    );
    expect(config.monitoring.push).toMatchObject({
      verifyTls: join(dir, "ca.crt"),
      tlsKeyFile: join(dir, "client.key"),
    });
  });

  it("reports every missing file with its absolute path, at its value", () => {
    const yaml = text(
      "  verify_tls: missing-ca.crt\n  tls_cert_file: missing.crt\n  tls_key_file: missing.key\n  bearer_token_file: missing-token\n",
    );
    expectIssues(
      yaml,
      [
        {
          path: "writer.verify_tls",
          needle: "missing-ca.crt",
          message: `file ${join(dir, "missing-ca.crt")} does not exist`,
        },
        {
          path: "writer.tls_cert_file",
          needle: "missing.crt",
          message: `file ${join(dir, "missing.crt")} does not exist`,
        },
        {
          path: "writer.tls_key_file",
          needle: "missing.key",
          message: `file ${join(dir, "missing.key")} does not exist`,
        },
        {
          path: "writer.bearer_token_file",
          needle: "missing-token",
          message: `file ${join(dir, "missing-token")} does not exist`,
        },
      ],
      { cwd: dir, checkFiles: true },
    );
  });

  it("a directory is not a file", () => {
    expectIssues(
      text("  bearer_token_file: a-directory\n"),
      [{ path: "writer.bearer_token_file", needle: "a-directory", message: "is a directory, not a file" }],
      { cwd: dir, checkFiles: true },
    );
  });

  it("a path through a file is reported as missing", () => {
    expectIssues(
      text("  tls_cert_file: token/x.crt\n  tls_key_file: client.key\n"),
      [{ path: "writer.tls_cert_file", needle: "token/x.crt", message: "does not exist" }],
      { cwd: dir, checkFiles: true },
    );
  });

  it.skipIf(isRoot)(
    "an unreadable file (chmod 000) is reported as not readable [skipped as root: root can read any file]",
    () => {
      expectIssues(
        text("  tls_cert_file: client.crt\n  tls_key_file: locked.key\n"),
        [
          {
            path: "writer.tls_key_file",
            needle: "locked.key",
            message: `file ${join(dir, "locked.key")} is not readable`,
          },
        ],
        { cwd: dir, checkFiles: true },
      );
    },
  );

  it.runIf(isRoot)(
    "(running as root: a chmod 000 file is still readable, so that case cannot be simulated here)",
    () => {
      expect(
        parseConfig(text("  tls_cert_file: client.crt\n  tls_key_file: locked.key\n"), { cwd: dir }).writer.tlsKeyFile,
      ).toBe(join(dir, "locked.key"));
    },
  );

  it("checkFiles: false accepts paths that do not exist", () => {
    const config = parseConfig(text("  tls_cert_file: /nope.crt\n  tls_key_file: /nope.key\n"), { checkFiles: false });
    expect(config.writer.tlsCertFile).toBe("/nope.crt");
  });
});
