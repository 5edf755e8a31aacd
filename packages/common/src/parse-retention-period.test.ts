import { describe, expect, it } from "vitest";
import { parseRetentionPeriod } from "./parse-retention-period.ts";

const DAY = 86_400_000;

describe("parseRetentionPeriod", () => {
  it("reads VictoriaMetrics' units: bare months of 31 days, h, d, w, and years of 365 days", () => {
    expect(parseRetentionPeriod("1")).toBe(31 * DAY);
    expect(parseRetentionPeriod("12h")).toBe(12 * 3_600_000);
    expect(parseRetentionPeriod("30d")).toBe(30 * DAY);
    expect(parseRetentionPeriod("2w")).toBe(14 * DAY);
    expect(parseRetentionPeriod("100y")).toBe(36_500 * DAY);
    expect(parseRetentionPeriod(" 1.5Y ")).toBe(547.5 * DAY);
  });

  it("answers undefined for what is not a retention period", () => {
    for (const text of ["", "0", "0d", "-1", "1m", "1 d", "y", "1e3", "abc"])
      expect(parseRetentionPeriod(text)).toBeUndefined();
  });
});
