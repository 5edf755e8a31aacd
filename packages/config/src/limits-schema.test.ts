import { describe, expect, it } from "vitest";
import { ConfigError, parseConfig } from "./index.ts";

const yaml = (limits: string) => `writer:\n  datasource_url: http://vm:8428\n  limits:\n${limits}`;
const problems = (text: string) => {
  try {
    parseConfig(text);
  } catch (error) {
    if (error instanceof ConfigError) return error.message;
    throw error;
  }
  return "";
};

describe("writer.limits", () => {
  it("is empty when absent or empty: the writer takes the target's own limits", () => {
    expect(parseConfig("writer:\n  datasource_url: http://vm:8428\n").writer.limits).toEqual({});
    expect(parseConfig(yaml("")).writer.limits).toEqual({});
  });

  it("reads a retention in VictoriaMetrics' syntax, durations, counts and sizes", () => {
    const config = parseConfig(
      yaml(
        "    retention: 100y\n    max_future: 1d\n    max_labels_per_series: 40\n    max_label_value_bytes: 4KiB\n    max_label_name_bytes: 128\n" +
          "    max_series_per_record: 50\n    max_label_bytes_per_record: 1MiB\n",
      ),
    );
    expect(config.writer.limits).toEqual({
      retentionMs: 36_500 * 86_400_000,
      maxFutureMs: 86_400_000,
      maxLabelsPerSeries: 40,
      maxLabelValueBytes: 4096,
      maxLabelNameBytes: 128,
      maxSeriesPerRecord: 50,
      maxLabelBytesPerRecord: 1024 * 1024,
    });
    // A bare number is months of 31 days, as for -retentionPeriod.
    expect(parseConfig(yaml("    retention: 3\n")).writer.limits.retentionMs).toBe(93 * 86_400_000);
  });

  it("names a bad value with its key path and position", () => {
    const message = problems(yaml("    retention: 5m\n    max_labels_per_series: 0\n    max_label_value_bytes: big\n"));
    expect(message).toMatch(/writer\.limits\.retention \(line 4:16\): must be a VictoriaMetrics retention period/);
    expect(message).toMatch(/writer\.limits\.max_labels_per_series \(line 5:28\): must be an integer >= 1/);
    expect(message).toMatch(/writer\.limits\.max_label_value_bytes \(line 6:28\)/);
  });
});
