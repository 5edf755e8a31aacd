import { describe, expect, it } from "vitest";
import { parseConfig } from "./parse-config.ts";
import { expectIssues } from "./testing/expect-issue.ts";

// The writer keys vmanomaly 1.30.3 added: an operator's config keeps its batching.
const vmanomaly130 = `
reader:
  class: vm
  datasource_url: http://vm:8428
  queries:
    cpu: rate(node_cpu_seconds_total[5m])
writer:
  class: vm
  datasource_url: http://vm:8428
  metric_format: {__name__: "$VAR", for: "$QUERY_KEY"}
  batch_max_series: 5000
  batch_max_bytes: 1048576
  metric_prefix_cache_max_entries: 20000
`;

describe("vmanomaly 1.30.3 writer keys", () => {
  it("are accepted without warnings and resolved", () => {
    const config = parseConfig(vmanomaly130, { checkFiles: false });
    expect(config.warnings).toEqual([]);
    expect(config.writer.batchMaxSeries).toBe(5000);
    expect(config.writer.batchMaxBytes).toBe(1_048_576);
    expect(config.writer.metricPrefixCacheMaxEntries).toBe(20_000);
  });

  it("take sizes as byte sizes, and 0 switches the prefix cache off", () => {
    const config = parseConfig(
      "writer:\n  datasource_url: http://vm:8428\n  batch_max_bytes: 8MiB\n  metric_prefix_cache_max_entries: 0\n",
      { checkFiles: false },
    );
    expect(config.writer.batchMaxBytes).toBe(8 * 1024 * 1024);
    expect(config.writer.metricPrefixCacheMaxEntries).toBe(0);
    expect(config.writer.batchMaxSeries).toBeUndefined();
  });

  it("refuse wrong values at their line and column", () => {
    const text =
      "writer:\n  datasource_url: http://vm:8428\n  batch_max_series: 0\n  batch_max_bytes: lots\n  metric_prefix_cache_max_entries: -1\n";
    expectIssues(text, [
      { path: "writer.batch_max_series", needle: "0", message: /integer >= 1/ },
      { path: "writer.batch_max_bytes", needle: "lots", message: /size/ },
      { path: "writer.metric_prefix_cache_max_entries", needle: "-1", message: /integer >= 0/ },
    ]);
  });
});
