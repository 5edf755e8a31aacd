import { describe, expect, it } from "vitest";
import { expectIssues } from "./testing/expect-issue.ts";
import { positionOf } from "./testing/position-of.ts";
import { parseUnchecked as parse, writerYaml as writer } from "./testing/writer-yaml.ts";

// The writer section: class, datasource_url, tenant_id, metric_format, paths and the /insert/ warnings.

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
      {
        path: "writer.class",
        needle: written,
        message: '"vm", "writer.vm.VmWriter", "noop", "writer.noop.NoOpWriter"',
      },
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
    const error = expectIssues(
      text,
      [{ path: "writer.datasource_url", needle: "writer:", missingIn: "writer", message: "is required" }],
      {
        path: "/etc/vmanomaly.yml",
      },
    );
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

  it.each([
    '"-1"',
    '"1:2:3"',
    "abc",
    "4294967296",
    "'4294967296:0'",
    "'0:4294967296'",
    "Multitenant",
    "1.5",
    "true",
    "[0]",
  ])("rejects %s, saying which forms are allowed", (written) => {
    const text = writer(`tenant_id: ${written}`);
    const message = written === "Multitenant" ? 'write "multitenant" in lower case' : /"N:M"|out of range/;
    expectIssues(text, [{ path: "writer.tenant_id", needle: written, message }]);
  });
});

describe("writer.metric_format", () => {
  it("keeps static labels and turns scalars into strings", () => {
    const text = writer(
      "metric_format:",
      "  __name__: PREFIX1_$VAR",
      "  for: PREFIX2_$QUERY_KEY",
      "  run: 1.50",
      "  flag: true",
    );
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
      {
        path: "writer.metric_format.__name__",
        needle: "metric_format",
        missingIn: "writer.metric_format",
        message: "must have a __name__",
      },
    ]);
  });

  it("needs $VAR in __name__", () => {
    const text = writer("metric_format:", "  __name__: vmanomaly_score", "  for: $QUERY_KEY");
    expectIssues(text, [
      { path: "writer.metric_format.__name__", needle: "vmanomaly_score", message: "must contain $VAR" },
    ]);
  });

  it("needs for", () => {
    const text = writer("metric_format:", "  __name__: $VAR");
    expectIssues(text, [
      {
        path: "writer.metric_format.for",
        needle: "metric_format",
        missingIn: "writer.metric_format",
        message: "must have a for key",
      },
    ]);
  });

  it("rejects null, list and mapping label values, all at once", () => {
    const text = writer(
      "metric_format:",
      "  __name__: $VAR",
      "  for: $QUERY_KEY",
      "  a:",
      "  b: [1, 2]",
      "  c: {d: e}",
    );
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

  it.each(["health", "/health", "http://other:8428/health", "sub/health"])(
    "keeps health_path %s as written",
    (path) => {
      expect(parse(writer(`health_path: ${path}`)).writer.healthPath).toBe(path);
    },
  );

  it("an empty health_path means the default", () => {
    expect(parse(writer('health_path: ""')).writer.healthPath).toBe("health");
  });

  it("rejects a health_path that is not a string", () => {
    const text = writer("health_path: [a]");
    expectIssues(text, [{ path: "writer.health_path", needle: "[a]", message: "must be a string" }]);
  });
});

describe("the /insert/ warnings", () => {
  it("warns when datasource_url ends in /insert/ and tenant_id is set (doubled tenant path)", () => {
    const text = "writer:\n  datasource_url: http://vminsert:8480/insert/\n  tenant_id: '123'\n";
    const config = parse(text);
    const position = positionOf(text, "http://vminsert");
    expect(config.warnings).toEqual([
      expect.objectContaining({
        kind: "tenant-path-doubled",
        path: "writer.datasource_url",
        line: position.line,
        column: position.column,
      }),
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
