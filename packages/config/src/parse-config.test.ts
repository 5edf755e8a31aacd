import { describe, expect, it } from "vitest";
import { ConfigError } from "./errors.ts";
import { parseConfig, safeParseConfig } from "./parse-config.ts";
import { expectIssues } from "./testing/expect-issue.ts";
import { positionOf } from "./testing/position-of.ts";

const URL_LINE = "  datasource_url: http://vm:8428\n";
/** A writer section with a URL plus `extra` lines (each indented by two spaces). */
const writer = (...extra: string[]) => `writer:\n${URL_LINE}${extra.map((line) => `  ${line}\n`).join("")}`;
const parse = (text: string) => parseConfig(text, { checkFiles: false });

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
      metricFormat: { __name__: "vmanomaly_$VAR", for: "$QUERY_KEY", run: "test_metric_format", config: "io_vm_single.yaml" },
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

describe("writer.class", () => {
  it.each([
    ["vm", "vm"],
    ['"writer.vm.VmWriter"', "vm"],
    ["noop", "noop"],
    ["writer.noop.NoOpWriter", "noop"],
  ])("accepts %s", (written, resolved) => {
    expect(parse(writer(`class: ${written}`)).writer.class).toBe(resolved);
  });

  it("noop needs no datasource_url, and an empty one is unset", () => {
    expect(parse("writer:\n  class: noop\n").writer).toMatchObject({ class: "noop" });
    const config = parse('writer:\n  class: noop\n  datasource_url: ""\n');
    expect(config.writer.datasourceUrl).toBeUndefined();
  });

  it.each(['"writer.csv.CsvWriter"', "in_memory", "VM", "5"])("rejects %s, naming the allowed classes", (written) => {
    const text = writer(`class: ${written}`);
    expectIssues(text, [
      { path: "writer.class", needle: written, message: '"vm", "writer.vm.VmWriter", "noop", "writer.noop.NoOpWriter"' },
    ]);
  });
});

describe("writer.datasource_url", () => {
  it.each([
    ["http://localhost:8428/", "http://localhost:8428"],
    ["http://localhost:8428", "http://localhost:8428"],
    ["https://proxy.example/vm/", "https://proxy.example/vm"],
    ["'http://vminsert:8480/insert/0:0/prometheus/'", "http://vminsert:8480/insert/0:0/prometheus"],
    ['"  http://spaced:8428//  "', "http://spaced:8428"],
  ])("keeps %s as a base without trailing slash", (written, stored) => {
    expect(parse(`writer:\n  datasource_url: ${written}\n`).writer.datasourceUrl).toBe(stored);
  });

  it("is required for class vm: a missing key has no position; the error names the writer mapping and its position", () => {
    const text = "reader:\n  class: vm\nwriter:\n  tenant_id: '0:0'\n";
    const error = expectIssues(text, [{ path: "writer.datasource_url", needle: "writer:", missingIn: "writer", message: "is required" }], {
      path: "/etc/vmanomaly.yml",
    });
    expect(error.message).toBe(
      '[config] /etc/vmanomaly.yml writer.datasource_url (missing; in writer at 3:1): is required for class "vm" (missing or empty): set the URL to write to',
    );
  });

  it("an empty value counts as missing: the error points at the value", () => {
    const text = 'writer:\n  class: "vm"\n  datasource_url: ""\n';
    expectIssues(text, [{ path: "writer.datasource_url", needle: '""', message: 'is required for class "vm"' }]);
  });

  it.each([
    ["localhost:8428", "must start with http:// or https://"],
    ["ftp://host/", "must start with http:// or https://"],
    ["'{your_victoriametrics_url_for_writing}'", "documentation placeholder"],
    ["[YOUR_DATASOURCE_URL]", "got a list"],
    ["{url: x}", "got a mapping"],
    ["8428", "got a number"],
    ["http://host:8428/?authKey=1", "must not contain a query string"],
    ["'http://'", "not a valid URL"],
  ])("rejects %s", (written, message) => {
    const text = `writer:\n  datasource_url: ${written}\n`;
    expectIssues(text, [{ path: "writer.datasource_url", needle: written, message }]);
  });

  it("never shows the password of a URL in a message", () => {
    const text = "writer:\n  datasource_url: ftp://admin:hunter2@host/\n";
    const error = expectIssues(text, [{ path: "writer.datasource_url", needle: "ftp://", message: "<redacted>@host" }]);
    expect(error.message).not.toContain("hunter2");
  });
});

describe("writer.tenant_id", () => {
  it.each([
    ['"0"', "0:0"],
    ['"123"', "123:0"],
    ['"0:0"', "0:0"],
    ["0:0", "0:0"],
    ['"7:42"', "7:42"],
    ["0", "0:0"],
    ["123", "123:0"],
    ["'4294967295:4294967295'", "4294967295:4294967295"],
    ["'007'", "7:0"],
    ["multitenant", "multitenant"],
  ])("accepts %s as %s", (written, tenant) => {
    expect(parse(writer(`tenant_id: ${written}`)).writer.tenantId).toBe(tenant);
  });

  it.each(['""', "", "null"])("treats %j as unset", (written) => {
    expect(parse(writer(`tenant_id: ${written}`)).writer.tenantId).toBeUndefined();
  });

  it.each(['"-1"', '"1:2:3"', "abc", "4294967296", "'4294967296:0'", "'0:4294967296'", "Multitenant", "1.5", "true", "[0]"])(
    "rejects %s, saying which forms are allowed",
    (written) => {
      const text = writer(`tenant_id: ${written}`);
      const message = written === "Multitenant" ? 'write "multitenant" in lower case' : /"N:M"|out of range/;
      expectIssues(text, [{ path: "writer.tenant_id", needle: written, message }]);
    },
  );
});

describe("writer.metric_format", () => {
  it("keeps static labels and turns scalars into strings", () => {
    const text = writer("metric_format:", "  __name__: PREFIX1_$VAR", "  for: PREFIX2_$QUERY_KEY", "  run: 1.50", "  flag: true");
    expect(parse(text).writer.metricFormat).toEqual({
      __name__: "PREFIX1_$VAR",
      for: "PREFIX2_$QUERY_KEY",
      run: "1.5",
      flag: "true",
    });
  });

  it("an empty metric_format means the default", () => {
    expect(parse(writer("metric_format:")).writer.metricFormat).toEqual({ __name__: "$VAR", for: "$QUERY_KEY" });
  });

  it("needs __name__: reported as missing in writer.metric_format, at its key", () => {
    const text = writer("metric_format:", "  for: $QUERY_KEY");
    expectIssues(text, [
      { path: "writer.metric_format.__name__", needle: "metric_format", missingIn: "writer.metric_format", message: "must have a __name__" },
    ]);
  });

  it("needs $VAR in __name__", () => {
    const text = writer("metric_format:", "  __name__: vmanomaly_score", "  for: $QUERY_KEY");
    expectIssues(text, [{ path: "writer.metric_format.__name__", needle: "vmanomaly_score", message: "must contain $VAR" }]);
  });

  it("needs for", () => {
    const text = writer("metric_format:", "  __name__: $VAR");
    expectIssues(text, [{ path: "writer.metric_format.for", needle: "metric_format", missingIn: "writer.metric_format", message: "must have a for key" }]);
  });

  it("rejects null, list and mapping label values, all at once", () => {
    const text = writer("metric_format:", "  __name__: $VAR", "  for: $QUERY_KEY", "  a:", "  b: [1, 2]", "  c: {d: e}");
    expectIssues(text, [
      { path: "writer.metric_format.a", needle: "a:", message: "got null" },
      { path: "writer.metric_format.b", needle: "[1, 2]", message: "got a list" },
      { path: "writer.metric_format.c", needle: "{d: e}", message: "got a mapping" },
    ]);
  });

  it("must be a mapping", () => {
    const text = writer('metric_format: "$VAR"');
    expectIssues(text, [{ path: "writer.metric_format", needle: '"$VAR"', message: "must be a mapping" }]);
  });
});

describe("writer.import_json_path and health_path", () => {
  it("honours import_json_path with a deprecation warning", () => {
    const config = parse(writer("import_json_path: /api/v1/import/custom"));
    expect(config.writer.importJsonPath).toBe("/api/v1/import/custom");
    expect(config.warnings.map((w) => w.kind)).toEqual(["deprecated"]);
  });

  it.each(["health", "/health", "http://other:8428/health", "sub/health"])("keeps health_path %s as written", (path) => {
    expect(parse(writer(`health_path: ${path}`)).writer.healthPath).toBe(path);
  });

  it("an empty health_path means the default", () => {
    expect(parse(writer('health_path: ""')).writer.healthPath).toBe("health");
  });

  it("rejects a health_path that is not a string", () => {
    const text = writer("health_path: [a]");
    expectIssues(text, [{ path: "writer.health_path", needle: "[a]", message: "must be a string" }]);
  });
});

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
      expect.objectContaining({ kind: "password-without-user", path: "writer.password", line: position.line, column: position.column }),
    ]);
  });

  it("rejects an unquoted numeric password without showing it", () => {
    const text = writer("user: foo", "password: 918273");
    const error = expectIssues(text, [{ path: "writer.password", needle: "918273", message: "must be a string, got a number (quote it)" }]);
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
    const error = expectIssues(text, [{ path: "writer.bearer_token_file", needle: "/run/token", message: "together with bearer_token" }]);
    expect(error.message).not.toContain("t0ps3cr3t");
  });

  it("rejects a token together with basic auth", () => {
    const text = writer("user: u", "password: p", "bearer_token: xyzzy");
    expectIssues(text, [{ path: "writer.bearer_token", needle: "xyzzy", message: "cannot be combined with user/password" }]);
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
    expectIssues(writer(`verify_tls: ${written}`), [{ path: "writer.verify_tls", needle: written, message: "must be true, false or the path" }]);
  });
});

describe("writer.tls_cert_file and tls_key_file", () => {
  it("take a client certificate and key", () => {
    const config = parseConfig(writer("tls_cert_file: client.crt", "tls_key_file: /abs/client.key"), { checkFiles: false, cwd: "/etc/vm" });
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

describe("the /insert/ warnings", () => {
  it("warns when datasource_url ends in /insert/ and tenant_id is set (doubled tenant path)", () => {
    const text = "writer:\n  datasource_url: http://vminsert:8480/insert/\n  tenant_id: '123'\n";
    const config = parse(text);
    const position = positionOf(text, "http://vminsert");
    expect(config.warnings).toEqual([
      expect.objectContaining({ kind: "tenant-path-doubled", path: "writer.datasource_url", line: position.line, column: position.column }),
    ]);
    expect(config.warnings[0]?.message).toContain("/insert/insert/123:0/");
    expect(config.warnings[0]?.message).toContain('"http://vminsert:8480"');
  });

  it("warns when datasource_url ends in /insert/ without tenant_id", () => {
    const config = parse("writer:\n  datasource_url: http://vminsert:8480/insert/\n");
    expect(config.warnings.map((w) => w.kind)).toEqual(["insert-path-without-tenant"]);
  });

  it("says nothing for a path prefix or a full tenant prefix without tenant_id", () => {
    expect(parse("writer:\n  datasource_url: http://proxy/vm/\n  tenant_id: '1'\n").warnings).toEqual([]);
    expect(parse("writer:\n  datasource_url: http://vminsert:8480/insert/1:0/prometheus\n").warnings).toEqual([]);
  });
});

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
    expectIssues(text, [{ path: "monitoring.push.url", needle: "push:", missingIn: "monitoring.push", message: "is required" }]);
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
      { path: "writer", missingIn: { path: "" }, message: expect.stringContaining("no writer: section (found `writter`") },
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
    const text = "common: &common\n  datasource_url: http://vm:8428\n  tenant_id: bad\nwriter:\n  <<: *common\n  user: u\n";
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
    expect(lines[1]).toMatch(new RegExp(`^writer\\.class \\(line ${positionOf(text, "csv").at}\\): "csv" is not a supported writer class`));
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
    expect(() => parse(writer("tenant_id: abc"))).toThrow(/^\[config\] writer\.tenant_id \(line 3:14\): "abc" is not a tenant/);
  });
});

describe("options.env", () => {
  it("is the only source of variables: process.env is never read", () => {
    process.env["ANOMALY_WRITER_TEST_URL"] = "http://from-process-env:8428";
    try {
      const result = safeParseConfig("writer:\n  datasource_url: %{ANOMALY_WRITER_TEST_URL}\n");
      expect(result.success).toBe(false);
      if (!result.success) expect(result.issues[0]?.message).toContain("ANOMALY_WRITER_TEST_URL is not set");
    } finally {
      delete process.env["ANOMALY_WRITER_TEST_URL"];
    }
  });
});
