import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { safeParseConfig } from "./parse-config.ts";
import { redactConfig } from "./redact-config.ts";

// Acceptance against 29 third-party vmanomaly configs kept outside the project (../shared in the
// workspace); they are read in place, never copied. A user's clone has no ../shared: then skip.
const DIR = resolve(dirname(fileURLToPath(import.meta.url)), "../../../../shared/real-configs");
const present = existsSync(join(DIR, "INDEX.md"));

type Verdict = "ok" | "INVALID" | "QUESTIONABLE";
interface Expectation {
  readonly verdict: Verdict;
  /** Warning kinds expected, as `kind path`. */
  readonly warnings?: readonly string[];
  /** For INVALID: `path` and a text its message contains. */
  readonly errors?: ReadonlyArray<readonly [string, string]>;
  readonly env?: Readonly<Record<string, string>>;
}

const VM6_ENV = {
  VMANOMALY_URL: "http://vm:8428/",
  VMANOMALY_TENANT_ID: "0:0",
  VMANOMALY_BEARER_TOKEN: "vm6-secret-token",
};
const DEPRECATED = ["deprecated writer.import_json_path"];

const EXPECTED: Readonly<Record<string, Expectation>> = {
  "forpos7-1.yml": { verdict: "ok" },
  "helm-1.yml": { verdict: "INVALID", errors: [["writer.datasource_url", "is required"]] },
  "helm-2.yml": {
    verdict: "QUESTIONABLE",
    warnings: ["insert-path-without-tenant writer.datasource_url", "unknown-key monitoring.pull.enabled"],
  },
  "helm-3.yml": {
    verdict: "QUESTIONABLE",
    warnings: [
      "tenant-path-doubled writer.datasource_url",
      "unknown-key monitoring.pull.enabled",
      "tenant-path-doubled monitoring.push.url",
    ],
  },
  "mcp-1.yml": { verdict: "ok" },
  "mcp-2.yml": { verdict: "ok" },
  "operator-1.yml": { verdict: "ok" },
  "operator-2.yml": { verdict: "ok" },
  "operator-3.yml": { verdict: "ok" },
  "operator-4.yml": { verdict: "ok", warnings: DEPRECATED },
  "operator-5.yml": {
    verdict: "INVALID",
    errors: [["writer.datasource_url", "is required"]],
    warnings: ["unknown-key writer.datasourceURL"],
  },
  "vm-1.yml": { verdict: "ok" },
  "vm-2.yml": { verdict: "ok" },
  "vm-3.yml": { verdict: "ok", warnings: DEPRECATED },
  "vm-4.yml": { verdict: "ok", warnings: DEPRECATED },
  "vm-5.yml": { verdict: "ok" },
  "vm-6.yml": { verdict: "ok", env: VM6_ENV },
  "vm-7.yml": { verdict: "ok" },
  "vm-8.yml": { verdict: "ok", warnings: ["unknown-key monitoring.push.config"] },
  "vm-9.yml": { verdict: "ok" },
  "vm-10.yml": { verdict: "ok" },
  "vm-11.yml": { verdict: "INVALID", errors: [["writer.datasource_url", "documentation placeholder, not a URL"]] },
  "vm-12.yml": { verdict: "ok" },
  "vm-13.yml": { verdict: "ok" },
  "vm-14.yml": { verdict: "ok" },
  "vm-15.yml": { verdict: "ok" },
  "vm-16.yml": { verdict: "ok" },
  "vm-17.yml": { verdict: "INVALID", errors: [["writer.datasource_url", "got a list"]] },
  "vm-18.yml": {
    verdict: "INVALID",
    errors: [["writer.class", '"writer.csv.CsvWriter" is not a supported writer class; allowed: "vm"']],
    warnings: ["unknown-key writer.path", "unknown-key writer.header", "unknown-key writer.override"],
  },
};

/** The verdict column of INDEX.md: INVALID / QUESTIONABLE when bold-marked, else ok. */
function indexVerdicts(): Map<string, Verdict> {
  const verdicts = new Map<string, Verdict>();
  for (const line of readFileSync(join(DIR, "INDEX.md"), "utf8").split("\n")) {
    const cells = line.split("|").map((cell) => cell.trim());
    const file = cells[1];
    if (file === undefined || !file.endsWith(".yml")) continue;
    const verdict = cells[cells.length - 2] ?? "";
    verdicts.set(
      file,
      verdict.includes("**INVALID**") ? "INVALID" : verdict.includes("**QUESTIONABLE**") ? "QUESTIONABLE" : "ok",
    );
  }
  return verdicts;
}

// Where ../shared is absent every test of this block is reported as skipped, by name.
describe.skipIf(!present)(`real vmanomaly configs (${DIR})`, () => {
  it("this table covers every file, with INDEX.md's verdict", () => {
    const files = readdirSync(DIR)
      .filter((name) => name.endsWith(".yml"))
      .sort();
    expect(files).toHaveLength(29);
    expect(Object.keys(EXPECTED).sort()).toEqual(files);
    const verdicts = indexVerdicts();
    for (const file of files) expect(`${file}: ${EXPECTED[file]?.verdict}`).toBe(`${file}: ${verdicts.get(file)}`);
  });

  // Structure only: the operator's paths (/test/monitoring_tls_remote-*) do not exist here.
  it.each(Object.entries(EXPECTED))("%s", (file, expected) => {
    const text = readFileSync(join(DIR, file), "utf8");
    const result = safeParseConfig(text, { path: file, env: expected.env ?? {}, checkFiles: false });
    const warnings = result.warnings.map((w) => `${w.kind} ${w.path}`);
    expect(warnings).toEqual(expected.warnings ?? []);
    for (const warning of result.warnings) {
      expect(warning.line, "every warning has a position").toBeGreaterThan(0);
      expect(warning.file).toBe(file);
    }
    if (expected.verdict === "INVALID") {
      expect(result.success).toBe(false);
      if (result.success) return;
      expect(result.issues.map((issue) => [issue.path, issue.message])).toEqual(
        (expected.errors ?? []).map(([path, message]) => [path, expect.stringContaining(message)]),
      );
      for (const issue of result.issues) expect(issue.line ?? issue.missingIn?.line).toBeGreaterThan(0);
    } else {
      expect(result.success, JSON.stringify(!result.success && result.issues)).toBe(true);
    }
  });

  it("vm-6 needs its variables: unset, each placeholder is an error at its position", () => {
    const text = readFileSync(join(DIR, "vm-6.yml"), "utf8");
    const result = safeParseConfig(text, { path: "vm-6.yml" });
    expect(result.success).toBe(false);
    if (result.success) return;
    expect(result.issues.map((i) => `${i.line}:${i.column} ${i.path}`)).toEqual([
      "4:19 reader.datasource_url",
      "5:14 reader.tenant_id",
      "6:17 reader.bearer_token",
      "10:19 writer.datasource_url",
      "11:14 writer.tenant_id",
      "12:17 writer.bearer_token",
    ]);
    expect(result.issues[3]?.message).toContain("environment variable VMANOMALY_URL is not set");
  });

  it("vm-6 with its variables set resolves them, and the redacted config hides the token", () => {
    const text = readFileSync(join(DIR, "vm-6.yml"), "utf8");
    const result = safeParseConfig(text, { env: VM6_ENV });
    expect(result.success).toBe(true);
    if (!result.success) return;
    expect(result.config.writer).toMatchObject({
      datasourceUrl: "http://vm:8428",
      tenantId: "0:0",
      bearerToken: "vm6-secret-token",
    });
    expect(JSON.stringify(redactConfig(result.config))).not.toContain("vm6-secret-token");
  });

  it("operator-1 with file checks on: only the missing certificate files are reported", () => {
    const text = readFileSync(join(DIR, "operator-1.yml"), "utf8");
    const result = safeParseConfig(text, { checkFiles: true });
    expect(result.success).toBe(false);
    if (result.success) return;
    expect(result.issues.map((i) => `${i.path}: ${i.message}`)).toEqual([
      "writer.verify_tls: CA bundle: file /test/monitoring_tls_remote-ca does not exist",
      "writer.tls_cert_file: file /test/monitoring_tls_remote-cert does not exist",
      "writer.tls_key_file: file /test/monitoring_tls_remote-key does not exist",
      "monitoring.push.verify_tls: CA bundle: file /test/monitoring_tls_remote-ca does not exist",
      "monitoring.push.tls_cert_file: file /test/monitoring_tls_remote-cert does not exist",
      "monitoring.push.tls_key_file: file /test/monitoring_tls_remote-key does not exist",
    ]);
  });

  it("operator-5's camelCase key gets a did-you-mean", () => {
    const result = safeParseConfig(readFileSync(join(DIR, "operator-5.yml"), "utf8"));
    expect(result.warnings[0]?.message).toContain("Did you mean `datasource_url`?");
  });

  it("vm-8's stray push.config points at extra_labels", () => {
    const result = safeParseConfig(readFileSync(join(DIR, "vm-8.yml"), "utf8"));
    expect(result.warnings[0]?.message).toContain("indent it under `extra_labels`");
  });

  it("operator-4: unquoted tenant_id 0:0, capitalised False, string durations", () => {
    const result = safeParseConfig(readFileSync(join(DIR, "operator-4.yml"), "utf8"), { checkFiles: false });
    expect(result.success).toBe(true);
    if (!result.success) return;
    expect(result.config.writer.tenantId).toBe("0:0");
    expect(result.config.monitoring.push).toMatchObject({
      tenantId: "0:0",
      verifyTls: false,
      timeoutMs: 5000,
      pushFrequencyMs: 900_000,
    });
  });
});
