import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { ConfigError } from "./errors.ts";
import { parseConfig, safeParseConfig } from "./parse-config.ts";

const KEYS = [
  "class",
  "datasource_url",
  "tenant_id",
  "metric_format",
  "import_json_path",
  "health_path",
  "user",
  "password",
  "bearer_token",
  "bearer_token_file",
  "timeout",
  "verify_tls",
  "tls_cert_file",
  "tls_key_file",
  "connection_retry_attempts",
  "url",
  "push_frequency",
  "extra_labels",
  "pull",
  "push",
  "addr",
  "port",
  "__name__",
  "for",
];
const key = fc.oneof(fc.constantFrom(...KEYS), fc.string({ maxLength: 8 }));
const scalar = fc.oneof(
  fc.constantFrom(
    "vm",
    "noop",
    "http://vm:8428/",
    "0:0",
    "multitenant",
    "5s",
    "$VAR",
    "true",
    "%{X}",
    "",
    "~",
    "1:2:3",
  ),
  fc.string({ maxLength: 12 }),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
);
const value: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  node: fc.oneof(
    { depthSize: "small" },
    scalar,
    fc.array(tie("node"), { maxLength: 3 }),
    fc.dictionary(key, tie("node"), { maxKeys: 4 }),
  ),
})).node;
/** Config-shaped documents: a writer and a monitoring section full of random values. */
const configShaped = fc.record(
  { writer: fc.dictionary(key, value, { maxKeys: 6 }), monitoring: value, reader: value },
  { requiredKeys: [] },
);
/** YAML-ish text: fragments that YAML treats specially, glued together at random. */
const yamlish = fc
  .array(
    fc.oneof(
      fc.constantFrom(
        "writer:",
        "\n",
        "  ",
        ": ",
        "- ",
        "[",
        "]",
        "{",
        "}",
        "#",
        "&a ",
        "*a",
        "? ",
        "|",
        ">",
        "'",
        '"',
        "%{X}",
        "%{",
        "---",
        "...",
        "\t",
        "datasource_url",
        "tenant_id: ",
        "0:0",
        "!!str ",
        "<<: ",
      ),
      fc.string({ maxLength: 6 }),
    ),
    { maxLength: 40 },
  )
  .map((parts) => parts.join(""));

function onlyConfigErrors(text: string, env: Record<string, string>): void {
  try {
    parseConfig(text, { env, checkFiles: false });
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
  }
}

describe("robustness", () => {
  const env = { X: "x: [", Y: "http://vm:8428" };

  it("random YAML-ish text: parseConfig throws only ConfigError, safeParseConfig never throws", () => {
    fc.assert(
      fc.property(yamlish, (text) => {
        onlyConfigErrors(text, env);
        const result = safeParseConfig(text, { env, checkFiles: false });
        expect(typeof result.success).toBe("boolean");
        if (!result.success) expect(result.issues.length).toBeGreaterThan(0);
      }),
      { numRuns: 400 },
    );
  });

  it("random structures: parseConfig throws only ConfigError, safeParseConfig never throws", () => {
    fc.assert(
      fc.property(configShaped, (doc) => {
        const text = stringify(doc);
        onlyConfigErrors(text, env);
        const result = safeParseConfig(text, { checkFiles: true, cwd: "/nonexistent" });
        if (!result.success) {
          for (const issue of result.issues) {
            expect(issue.message.length).toBeGreaterThan(0);
            if (issue.line !== undefined) expect(issue.line).toBeGreaterThanOrEqual(1);
          }
        }
      }),
      { numRuns: 400 },
    );
  });

  it("any string at all, and non-string input, never makes safeParseConfig throw", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 200 }), (text) => {
        expect(() => safeParseConfig(text)).not.toThrow();
      }),
      { numRuns: 300 },
    );
    expect(safeParseConfig(undefined as unknown as string).success).toBe(false);
  });

  it("a deeply nested document is a config error, not a crash", () => {
    const text = `writer:\n  metric_format: ${"[".repeat(5000)}${"]".repeat(5000)}\n`;
    expect(safeParseConfig(text).success).toBe(false);
  });
});
