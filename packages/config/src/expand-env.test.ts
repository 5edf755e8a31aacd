import { describe, expect, it } from "vitest";
import { expandEnv } from "./expand-env.ts";
import { parseConfig, safeParseConfig } from "./parse-config.ts";
import { expectIssues } from "./testing/expect-issue.ts";
import { positionOf } from "./testing/position-of.ts";

describe("expandEnv", () => {
  it("replaces placeholders and maps offsets back to the text as written", () => {
    const text = "a: %{X} b %{LONG} c\n";
    const expanded = expandEnv(text, { X: "1", LONG: "a-long-value" });
    expect(expanded.text).toBe("a: 1 b a-long-value c\n");
    const original = (needle: string) => expanded.toOriginalOffset(expanded.text.indexOf(needle));
    expect(original("b ")).toBe(text.indexOf("b "));
    expect(original("c\n")).toBe(text.indexOf("c\n"));
    expect(original("long-value")).toBe(text.indexOf("%{LONG}"));
  });

  it("leaves placeholders in comments and malformed ones alone", () => {
    const text = "a: 1 # see %{UNSET}\n# %{ALSO_UNSET}\nb: '%{not valid}' %{\n";
    const expanded = expandEnv(text, {});
    expect(expanded.text).toBe(text);
    expect(expanded.placeholders).toEqual([]);
  });

  it("an empty value is a value; an undefined one is unresolved", () => {
    const expanded = expandEnv("a: '%{E}' %{U}\n", { E: "", U: undefined });
    expect(expanded.placeholders.map((p) => [p.name, p.value])).toEqual([
      ["E", ""],
      ["U", undefined],
    ]);
  });

  it("does not read inherited properties of env", () => {
    expect(expandEnv("a: %{toString}\n", {}).placeholders[0]?.value).toBeUndefined();
  });
});

describe("%{ENV} in configs", () => {
  const env = { VM_URL: "http://victoriametrics.monitoring.svc:8428/", TENANT: "7:1", TOKEN: "s3cr3t-t0ken-value" };

  it("expands unquoted placeholders before YAML parsing (plain scalars cannot start with %)", () => {
    const text = "writer:\n  datasource_url: %{VM_URL}  # from env\n  tenant_id: %{TENANT}\n  bearer_token: %{TOKEN}\n";
    expect(parseConfig(text, { env }).writer).toMatchObject({
      datasourceUrl: "http://victoriametrics.monitoring.svc:8428",
      tenantId: "7:1",
      bearerToken: env.TOKEN,
    });
  });

  it("expands inside quoted strings", () => {
    const text = "writer:\n  datasource_url: \"http://%{HOST}:%{PORT}/prefix/\"\n  user: '%{USER}'\n";
    const config = parseConfig(text, { env: { HOST: "vm", PORT: "8428", USER: "svc-writer" } });
    expect(config.writer).toMatchObject({ datasourceUrl: "http://vm:8428/prefix", user: "svc-writer" });
  });

  it("reports positions as written when several placeholders on one line change its length", () => {
    const text = 'writer:\n  datasource_url: %{A}%{B}  \n  tenant_id: "%{SHORT}:%{LONGER_NAME}x"\n  timeout: %{T} \n';
    const error = expectIssues(
      text,
      [
        { path: "writer.datasource_url", needle: "%{A}", message: "must start with http:// or https://" },
        { path: "writer.tenant_id", needle: '"%{SHORT}', message: "is not a tenant" },
        { path: "writer.timeout", needle: "%{T}", message: "is not a duration" },
      ],
      {
        env: {
          A: "very-long-expansion-for-a",
          B: ".example:8428",
          SHORT: "1",
          LONGER_NAME: "2",
          T: "forever-and-a-day",
        },
      },
    );
    expect(error.issues).toHaveLength(3);
  });

  it("positions after an expanded placeholder on the same line are as written", () => {
    const text = "writer: {datasource_url: %{URL}, tenant_id: bad}\n";
    expectIssues(text, [{ path: "writer.tenant_id", needle: "bad", message: "is not a tenant" }], {
      env: { URL: "http://a-much-longer-url-than-the-placeholder:8428" },
    });
  });

  it("an unresolved placeholder is an error naming the variable, its key and its position", () => {
    const text = "writer:\n  datasource_url: %{VM_URL}\n  tenant_id: '%{TENANT}'\n  user: u\n";
    const error = expectIssues(text, [
      { path: "writer.datasource_url", needle: "%{VM_URL}", message: "environment variable VM_URL is not set" },
      { path: "writer.tenant_id", needle: "%{TENANT}", message: "environment variable TENANT is not set" },
    ]);
    // The stand-in value does not cause further errors on the same key.
    expect(error.issues).toHaveLength(2);
  });

  it("an unresolved placeholder outside our sections is still an error", () => {
    const text = "reader:\n  datasource_url: %{READER_URL}\nwriter:\n  datasource_url: http://vm:8428\n";
    expectIssues(text, [{ path: "reader.datasource_url", needle: "%{READER_URL}", message: "READER_URL is not set" }]);
  });

  it("an unresolved placeholder in a comment is ignored", () => {
    expect(parseConfig("writer:\n  datasource_url: http://vm:8428 # or %{VM_URL}\n").writer.datasourceUrl).toBe(
      "http://vm:8428",
    );
  });

  it("never prints the expanded value of a secret", () => {
    const secret = "hunter2-very-secret";
    const text =
      "writer:\n  datasource_url: http://vm:8428\n  bearer_token: %{TOKEN}\n  bearer_token_file: /run/token\n  password: %{PASSWORD}\n";
    const result = safeParseConfig(text, { env: { TOKEN: secret, PASSWORD: secret }, checkFiles: false });
    expect(result.success).toBe(false);
    expect(JSON.stringify(result)).not.toContain(secret);
  });

  it("never prints an expanded value that breaks the YAML, and says which placeholder did", () => {
    const secret = "p4ss: with: colons";
    const text = "writer:\n  datasource_url: http://vm:8428\n  password: %{PASSWORD}\n";
    const result = safeParseConfig(text, { env: { PASSWORD: secret } });
    expect(result.success).toBe(false);
    if (result.success) return;
    expect(JSON.stringify(result)).not.toContain("p4ss");
    const position = positionOf(text, "%{PASSWORD}");
    expect(result.issues[0]).toMatchObject({ line: position.line, column: position.column });
    expect(result.issues[0]?.message).toContain("(in the value of %{PASSWORD})");
  });
});
