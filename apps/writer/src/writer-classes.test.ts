import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startVictoriaMetrics, type VictoriaMetricsServer } from "@anomaly-writer/test-stack";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "./testing/run-cli.ts";

// The writer class is decided in one place (createSink); these are the two bugs of the time it was
// decided in four: remote_write + queue + `write` queued and never sent, and `file` was reported
// as "would write".
const dir = mkdtempSync(join(tmpdir(), "anomaly-writer-classes-"));
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
const now = Date.now() - 60_000;
const records = (name: string, count: number) =>
  Array.from({ length: count }, (_, i) =>
    JSON.stringify({
      query_key: name,
      labels: { instance: `h${i}` },
      timestamps: [now, now + 1000],
      outputs: { anomaly_score: [i, i + 0.5] },
    }),
  ).join("\n");

let vm: VictoriaMetricsServer;
beforeAll(async () => {
  vm = await startVictoriaMetrics();
});
afterAll(async () => {
  await vm?.stop();
});

describe("writer classes through the CLI", () => {
  it("remote_write with a durable queue: a one-shot write sends what it queued, read back exactly", async () => {
    const config = file(
      "rw-queue.yml",
      `writer:
  class: remote_write
  datasource_url: ${vm.url}
  metric_format: {__name__: "rwq_$VAR", for: "$QUERY_KEY"}
  queue:
    path: ${join(dir, "rw-queue")}
`,
    );
    const run = await runCli([
      "write",
      "-c",
      config,
      "-i",
      file("rw.jsonl", records("rwq", 20)),
      "--log-format",
      "json",
    ]);
    expect(run.stderr).not.toMatch(/stay queued/);
    expect(run.code).toBe(0);
    const series = await vm.exportSeries('{__name__="rwq_anomaly_score"}');
    expect(series).toHaveLength(20);
    for (const s of series) {
      const i = Number(s.metric.instance?.slice(1));
      expect(s.values).toEqual([i, i + 0.5]);
      expect(s.timestamps).toEqual([now, now + 1000]);
    }
  });

  it("file: reports what it wrote as written, not as what it would write", async () => {
    const out = join(dir, "out.jsonl");
    const config = file(
      "file.yml",
      `writer:
  class: file
  file:
    path: ${out}
`,
    );
    const run = await runCli([
      "write",
      "-c",
      config,
      "-i",
      file("f.jsonl", records("filed", 3)),
      "--log-format",
      "json",
    ]);
    expect(run.code).toBe(0);
    const summary = `${run.stdout}${run.stderr}`;
    expect(summary).toMatch(/written: 3 records, 3 series, 6 datapoints/);
    expect(summary).not.toMatch(/would write/);
    expect(readFileSync(out, "utf8").trim().split("\n")).toHaveLength(3);
  });
});
