import { describe, expect, it } from "vitest";
import { createLabelLimitChecker } from "./create-label-limit-checker.ts";
import type { LabelLimitWarning } from "./types.ts";

const collect = (
  options: { maxLabels?: number; maxValueBytes?: number; maxNameBytes?: number; maxRemembered?: number } = {},
) => {
  const warnings: LabelLimitWarning[] = [];
  const checker = createLabelLimitChecker({ ...options, onWarning: (warning) => warnings.push(warning) });
  return { checker, warnings };
};

const manyLabels = (count: number, extra: Record<string, string> = {}) => {
  const labels: Record<string, string> = { __name__: "m" };
  for (let i = 1; i < count; i++) labels[`l${i}`] = "v";
  return { ...labels, ...extra };
};

describe("createLabelLimitChecker", () => {
  it("is silent for label sets within VictoriaMetrics' defaults (40 labels, 4096-byte values, 256-byte names)", () => {
    const { checker, warnings } = collect();
    checker.check(manyLabels(39, { l1: "x".repeat(4096), ["n".repeat(256)]: "v" })); // 40 labels
    checker.check({ __name__: "m", emoji: "😀".repeat(1024) }); // 4096 bytes exactly
    expect(warnings).toEqual([]);
  });

  it("warns about each broken limit, once per label set however often it is checked", () => {
    const { checker, warnings } = collect();
    const labels = manyLabels(41, { big: "é".repeat(2049), ["ñ".repeat(129)]: "v" });
    for (let i = 0; i < 5; i++) checker.check(labels);
    checker.check({ ...labels }); // the same label set in another object
    checker.check(Object.fromEntries(Object.entries(labels).reverse())); // and in another order
    expect(warnings.map((w) => w.kind)).toEqual(["too_many_labels", "label_value_too_long", "label_name_too_long"]);
    expect(warnings.every((w) => w.labels === labels)).toBe(true);
    expect(warnings[0]?.message).toMatch(
      /^\[metric-format\] series \{__name__="m", l1="v", .*…\d+ more\} has 43 labels, more than 40 \(-maxLabelsPerTimeseries\); VictoriaMetrics drops or truncates/,
    );
    expect(warnings[1]?.message).toContain(
      'the value of label "big" takes 4098 bytes, more than 4096 (-maxLabelValueLen)',
    );
    expect(warnings[2]?.message).toContain("takes 258 bytes, more than 256 (-maxLabelNameLen)");
  });

  it("warns again for another label set", () => {
    const { checker, warnings } = collect();
    checker.check(manyLabels(41));
    checker.check(manyLabels(41, { other: "x" }));
    checker.check(manyLabels(41));
    expect(warnings).toHaveLength(2);
  });

  it("takes other limits (VictoriaMetrics 1.79 keeps 30 labels and 16 KiB values)", () => {
    const { checker, warnings } = collect({ maxLabels: 30, maxValueBytes: 16384 });
    checker.check(manyLabels(30, { l1: "x".repeat(16384) }));
    checker.check(manyLabels(31));
    expect(warnings.map((w) => w.kind)).toEqual(["too_many_labels"]);
  });

  it("keeps bounded memory: after maxRemembered other label sets, an old one warns again", () => {
    const { checker, warnings } = collect({ maxLabels: 1, maxRemembered: 3 });
    const sets = [0, 1, 2, 3].map((i) => ({ __name__: "m", i: String(i) }));
    for (const labels of sets) checker.check(labels);
    checker.check(sets[3] ?? {});
    expect(warnings).toHaveLength(4);
    checker.check(sets[0] ?? {}); // forgotten: the oldest of 4 with room for 3
    expect(warnings).toHaveLength(5);
  });

  it("shortens long values and names in messages", () => {
    const { checker, warnings } = collect();
    checker.check({ __name__: "m", big: "y".repeat(10_000) });
    expect(warnings[0]?.message.length).toBeLessThan(400);
  });

  it("rejects a non-positive limit", () => {
    expect(() => createLabelLimitChecker({ maxLabels: 0, onWarning: () => undefined })).toThrow(
      expect.objectContaining({
        code: "OPTIONS_INVALID",
        message: "[metric-format] maxLabels must be a positive integer, got 0",
      }),
    );
  });
});
