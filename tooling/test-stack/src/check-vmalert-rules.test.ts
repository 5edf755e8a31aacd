import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { checkVmalertRules } from "./check-vmalert-rules.ts";

const dir = mkdtempSync(join(tmpdir(), "anomaly-writer-rules-"));
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
const rule = (fields: string) => `groups:\n  - name: g\n    rules:\n      - alert: A\n${fields}`;

describe("checkVmalertRules (vmalert -dryRun)", () => {
  it("accepts a valid file", () => {
    const check = checkVmalertRules([
      file(
        "ok.yml",
        rule(
          '        expr: rate(x_total[5m]) > 0\n        annotations:\n          summary: "{{ $labels.instance }}"\n',
        ),
      ),
    ]);
    expect(check).toEqual({ ok: true, exitCode: 0, problems: [] });
  });

  it("refuses a bad expression, a bad template and an unknown field, naming the rule", () => {
    const expression = checkVmalertRules([file("expr.yml", rule("        expr: sum(rate(x[5m]) by (a)\n"))]);
    expect(expression.ok).toBe(false);
    expect(expression.problems.join("\n")).toMatch(/invalid expression for rule "g"\."A"/);
    const template = checkVmalertRules([
      file("tpl.yml", rule('        expr: x > 0\n        annotations:\n          summary: "{{ $labels.a "\n')),
    ]);
    expect(template.problems.join("\n")).toMatch(/invalid annotations for rule "g"\."A"/);
    const field = checkVmalertRules([file("field.yml", rule("        expr: x > 0\n        fro: 5m\n"))]);
    expect(field.problems.join("\n")).toContain("unknown fields in rule: fro");
  });
});
