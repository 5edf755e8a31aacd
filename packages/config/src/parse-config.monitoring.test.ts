import { describe, expect, it } from "vitest";
import { expectIssues } from "./testing/expect-issue.ts";
import { parseUnchecked as parse, writerYaml as writer } from "./testing/writer-yaml.ts";

// The monitoring section: pull and push.

describe("monitoring", () => {
  it("is empty when absent", () => {
    expect(parse(writer()).monitoring).toEqual({});
  });

  it("pull: defaults 0.0.0.0:8080, an empty section included", () => {
    expect(parse(`${writer()}monitoring:\n  pull:\n`).monitoring).toEqual({ pull: { addr: "0.0.0.0", port: 8080 } });
    expect(parse(`${writer()}monitoring:\n  pull:\n    addr: 127.0.0.1\n    port: "8888"\n`).monitoring.pull).toEqual({
      addr: "127.0.0.1",
      port: 8888,
    });
  });

  it.each(["0", "65536", "'80a'", "8080.5", "[1]"])("rejects pull.port %s", (port) => {
    const text = `${writer()}monitoring:\n  pull:\n    port: ${port}\n`;
    expectIssues(text, [{ path: "monitoring.pull.port", needle: port, message: "must be a port from 1 to 65535" }]);
  });

  it("push: url required, defaults applied", () => {
    const text = `${writer()}monitoring:\n  push:\n    push_frequency: 1m\n`;
    expectIssues(text, [
      { path: "monitoring.push.url", needle: "push:", missingIn: "monitoring.push", message: "is required" },
    ]);
    const config = parse(`${writer()}monitoring:\n  push:\n    url: http://vm:8428/\n`);
    expect(config.monitoring).toEqual({
      push: { url: "http://vm:8428", pushFrequencyMs: 900_000, extraLabels: {}, timeoutMs: 5000, verifyTls: true },
    });
  });

  it("push: every key", () => {
    const text = `${writer()}monitoring:
  push:
    url: https://vm:8428
    tenant_id: 0:3
    user: USERNAME
    password: PASSWORD
    verify_tls: False
    timeout: 2s
    push_frequency: 20s
    extra_labels:
      job: vmanomaly-push
      test: 1
`;
    expect(parse(text).monitoring.push).toEqual({
      url: "https://vm:8428",
      tenantId: "0:3",
      user: "USERNAME",
      password: "PASSWORD",
      verifyTls: false,
      timeoutMs: 2000,
      pushFrequencyMs: 20_000,
      extraLabels: { job: "vmanomaly-push", test: "1" },
    });
  });

  it("push: the same rules as the writer's HTTP client, all reported at once", () => {
    const text = `${writer()}monitoring:
  push:
    url: http://vm:8428
    tenant_id: x:y
    bearer_token: a
    bearer_token_file: /t
    tls_key_file: k.pem
    push_frequency: soon
    extra_labels: [a]
`;
    const error = expectIssues(text, [
      { path: "monitoring.push.tenant_id", needle: "x:y" },
      { path: "monitoring.push.bearer_token_file", needle: "/t", message: "together with bearer_token" },
      { path: "monitoring.push.tls_key_file", needle: "k.pem", message: "tls_cert_file is not" },
      { path: "monitoring.push.push_frequency", needle: "soon", message: "is not a duration" },
      { path: "monitoring.push.extra_labels", needle: "[a]", message: "must be a mapping" },
    ]);
    expect(error.issues).toHaveLength(5);
  });

  it("rejects a monitoring section that is not a mapping", () => {
    const text = `${writer()}monitoring: yes\n`;
    expectIssues(text, [{ path: "monitoring", needle: "yes", message: "must be a mapping, got a string" }]);
  });
});
