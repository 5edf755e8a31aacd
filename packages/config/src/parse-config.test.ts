import { describe, expect, it } from "vitest";
import { ConfigError } from "./errors.ts";
import { safeParseConfig } from "./parse-config.ts";
import { expectIssues } from "./testing/expect-issue.ts";
import { positionOf } from "./testing/position-of.ts";
import { parseUnchecked as parse, writerYaml as writer } from "./testing/writer-yaml.ts";

// parseConfig as a whole: the seed example, defaults, unknown keys, whole-document and YAML problems, ConfigError, options.env.

describe("the seed's config example (writer.md)", () => {
  const example = `writer:
  class: "vm"  # or "writer.vm.VmWriter" until v1.13.0
  datasource_url: "http://localhost:8428/"
  tenant_id: "0:0"
  metric_format:
    __name__: "vmanomaly_$VAR"
    for: "$QUERY_KEY"
    run: "test_metric_format"
    config: "io_vm_single.yaml"
  import_json_path: "/api/v1/import"
  health_path: "health"
  user: "foo"
  password: "bar"
`;

  it("is accepted with every value resolved", () => {
    const config = parse(example);
    expect(config.writer).toEqual({
      class: "vm",
      datasourceUrl: "http://localhost:8428",
      tenantId: "0:0",
      metricFormat: {
        __name__: "vmanomaly_$VAR",
        for: "$QUERY_KEY",
        run: "test_metric_format",
        config: "io_vm_single.yaml",
      },
      importJsonPath: "/api/v1/import",
      healthPath: "health",
      user: "foo",
      password: "bar",
      timeoutMs: 5000,
      verifyTls: true,
      connectionRetryAttempts: 1,
      limits: {},
      batchMaxBytes: 4 * 1024 * 1024,
      metricPrefixCacheMaxEntries: 100_000,
      wireFormat: "auto",
    });
    expect(config.monitoring).toEqual({});
    expect(config.queryKeys).toBeUndefined();
  });

  it("warns that import_json_path is deprecated, at its key", () => {
    const { warnings } = parse(example);
    const position = positionOf(example, "import_json_path");
    expect(warnings).toEqual([
      {
        kind: "deprecated",
        path: "writer.import_json_path",
        line: position.line,
        column: position.column,
        message: expect.stringContaining("deprecated since vmanomaly 1.19.2"),
      },
    ]);
  });
});

describe("defaults", () => {
  it("fills in every default for a writer with only a URL", () => {
    const config = parse(writer());
    expect(config.writer).toEqual({
      class: "vm",
      datasourceUrl: "http://vm:8428",
      metricFormat: { __name__: "$VAR", for: "$QUERY_KEY" },
      healthPath: "health",
      connectionRetryAttempts: 1,
      timeoutMs: 5000,
      verifyTls: true,
      limits: {},
      batchMaxBytes: 4 * 1024 * 1024,
      metricPrefixCacheMaxEntries: 100_000,
      wireFormat: "auto",
    });
    expect(config.warnings).toEqual([]);
    expect(config.source).toEqual({});
  });
});

describe("unknown keys", () => {
  it("warn in writer, monitoring, pull and push, with did-you-mean", () => {
    const text = `writer:
  datasource_url: http://vm:8428
  datasourceURL: http://x
  tenantid: "1"
  verify_ssl: false
monitoring:
  pul:
    port: 1
  pull:
    enabled: true
  push:
    url: http://vm:8428
    extra_labels:
      job: a
    config: custom.yaml
`;
    const config = parse(text);
    const at = (needle: string) => ({ line: positionOf(text, needle).line, column: positionOf(text, needle).column });
    expect(config.warnings.map((w) => [w.path, w.line, w.column])).toEqual([
      ["writer.datasourceURL", ...Object.values(at("datasourceURL"))],
      ["writer.tenantid", ...Object.values(at("tenantid"))],
      ["writer.verify_ssl", ...Object.values(at("verify_ssl"))],
      ["monitoring.pul", ...Object.values(at("pul:"))],
      ["monitoring.pull.enabled", ...Object.values(at("enabled"))],
      ["monitoring.push.config", ...Object.values(at("config:"))],
    ]);
    const messages = config.warnings.map((w) => w.message);
    expect(messages[0]).toContain("Did you mean `datasource_url`?");
    expect(messages[1]).toContain("Did you mean `tenant_id`?");
    expect(messages[2]).toContain("Did you mean `verify_tls`?");
    expect(messages[3]).toContain("Did you mean `pull`?");
    expect(messages[4]).toContain("enabled by being present");
    expect(messages[5]).toContain("indent it under `extra_labels`");
    expect(config.warnings.every((w) => w.kind === "unknown-key")).toBe(true);
  });

  it("other top-level sections are ignored; reader.queries keys become queryKeys", () => {
    const text = `preset: default
settings: {n_workers: 4}
schedulers: {s1: {class: periodic}}
models: {}
server: {port: "8490"}
scheduler: {infer_every: 1m}
reader:
  datasource_url: http://vm:8428
  queries:
    cpu: {expr: 'rate(x[5m])'}
    mem: 'avg(y)'
${writer()}`;
    const config = parse(text);
    expect(config.queryKeys).toEqual(["cpu", "mem"]);
    expect(config.warnings).toEqual([]);
  });

  it("a reader without queries gives no queryKeys; empty queries give []", () => {
    expect(parse(`reader: {class: vm}\n${writer()}`).queryKeys).toBeUndefined();
    expect(parse(`reader: {queries: {}}\n${writer()}`).queryKeys).toEqual([]);
  });
});

describe("whole-document problems", () => {
  it("a missing writer section is an error, with a hint for a misspelt one", () => {
    const text = "writter:\n  datasource_url: http://vm:8428\n";
    const result = safeParseConfig(text);
    expect(result.success).toBe(false);
    if (result.success) return;
    expect(result.issues).toEqual([
      {
        path: "writer",
        missingIn: { path: "" },
        message: expect.stringContaining("no writer: section (found `writter`"),
      },
    ]);
    expect(new ConfigError(result.issues).message).toBe(
      "[config] writer (missing; at the top level): is required: the config has no writer: section (found `writter`; is it misspelt?)",
    );
  });

  it.each([
    ["", "the config is empty"],
    ["# only a comment\n", "the config is empty"],
    ["- writer\n", "must be a mapping, got a list"],
    ["just text\n", "must be a mapping, got a string"],
  ])("rejects %j", (text, message) => {
    const result = safeParseConfig(text);
    expect(result.success).toBe(false);
    if (!result.success) expect(result.issues[0]?.message).toContain(message);
  });

  it("a writer that is not a mapping", () => {
    expectIssues("writer: [a, b]\n", [{ path: "writer", needle: "[a, b]", message: "must be a mapping, got a list" }]);
  });

  it("reports YAML syntax errors with line:column", () => {
    const text = "writer:\n  datasource_url: http://vm:8428\n  tenant_id: a: b\n";
    const result = safeParseConfig(text);
    expect(result.success).toBe(false);
    if (result.success) return;
    const position = positionOf(text, "a: b");
    expect(result.issues[0]).toMatchObject({ path: "", line: position.line, column: position.column });
    expect(result.issues[0]?.message).toMatch(/^YAML syntax error: /);
    expect(() => parse(text)).toThrow(`[config] line ${position.at}: YAML syntax error`);
  });

  it("reports duplicate keys", () => {
    const text = `${writer()}  datasource_url: http://other:8428\n`;
    const result = safeParseConfig(text);
    expect(!result.success && result.issues[0]?.message).toContain("Map keys must be unique");
  });
});

describe("YAML features", () => {
  it("resolves anchors, aliases and << merge keys; errors point where the value is written", () => {
    const text =
      "common: &common\n  datasource_url: http://vm:8428\n  tenant_id: bad\nwriter:\n  <<: *common\n  user: u\n";
    expectIssues(text, [{ path: "writer.tenant_id", needle: "bad", message: "is not a tenant" }]);
    const fixed = text.replace("  user: u", "  tenant_id: '5'");
    expect(parse(fixed).writer).toMatchObject({ datasourceUrl: "http://vm:8428", tenantId: "5:0" });
  });

  it("accepts CRLF line ends and a byte order mark, with the same positions", () => {
    const text = "\uFEFFwriter:\r\n  datasource_url: http://vm:8428\r\n  tenant_id: bad\r\n";
    expectIssues(text, [{ path: "writer.tenant_id", needle: "bad", message: "is not a tenant" }]);
  });
});

describe("ConfigError", () => {
  const text = `writer:
  class: csv
  tenant_id: abc
  timeout: soon
monitoring:
  pull:
    port: 0
`;

  it("lists every problem, one per line, sorted by position, with path and line:column", () => {
    // datasource_url is not reported: whether it is required depends on the (invalid) class.
    let error: unknown;
    try {
      parse(text);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const e = error as ConfigError;
    expect(e.name).toBe("ConfigError");
    expect(e.code).toBe("CONFIG_INVALID");
    expect(e.issues.map((i) => i.path)).toEqual([
      "writer.class",
      "writer.tenant_id",
      "writer.timeout",
      "monitoring.pull.port",
    ]);
    const lines = e.message.split("\n");
    expect(lines).toHaveLength(5);
    expect(lines[0]).toBe("[config] 4 problems in the config:");
    expect(lines[1]).toMatch(
      new RegExp(`^writer\\.class \\(line ${positionOf(text, "csv").at}\\): "csv" is not a supported writer class`),
    );
    expect(lines[2]).toMatch(new RegExp(`^writer\\.tenant_id \\(line ${positionOf(text, "abc").at}\\): `));
    expect(lines[3]).toMatch(new RegExp(`^writer\\.timeout \\(line ${positionOf(text, "soon").at}\\): `));
    expect(lines[4]).toMatch(new RegExp(`^monitoring\\.pull\\.port \\(line ${positionOf(text, "0\n").at}\\): `));
  });

  it("names the file in every line when options.path is given", () => {
    const error = expectIssues(text, [{ path: "writer.tenant_id", needle: "abc" }], { path: "/etc/x.yml" });
    for (const line of error.message.split("\n").slice(1)) expect(line).toMatch(/^\/etc\/x\.yml:\d+:\d+ /);
    expect(error.issues.every((i) => i.file === "/etc/x.yml")).toBe(true);
  });

  it("safeParseConfig returns the same issues instead of throwing, and keeps warnings", () => {
    const result = safeParseConfig(`${text}  extra: 1\n`, { checkFiles: false });
    expect(result.success).toBe(false);
    if (result.success) return;
    expect(result.issues).toHaveLength(4);
    expect(result.warnings.map((w) => w.path)).toEqual(["monitoring.extra"]);
  });

  it("a single problem fits on one line", () => {
    expect(() => parse(writer("tenant_id: abc"))).toThrow(
      /^\[config\] writer\.tenant_id \(line 3:14\): "abc" is not a tenant/,
    );
  });
});

describe("options.env", () => {
  it("is the only source of variables: process.env is never read", () => {
    process.env.ANOMALY_WRITER_TEST_URL = "http://from-process-env:8428";
    try {
      const result = safeParseConfig("writer:\n  datasource_url: %{ANOMALY_WRITER_TEST_URL}\n");
      expect(result.success).toBe(false);
      if (!result.success) expect(result.issues[0]?.message).toContain("ANOMALY_WRITER_TEST_URL is not set");
    } finally {
      delete process.env.ANOMALY_WRITER_TEST_URL;
    }
  });
});
