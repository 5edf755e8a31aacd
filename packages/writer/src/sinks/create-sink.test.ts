import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseConfig } from "@anomaly-writer/config";
import { describe, expect, it } from "vitest";
import { createSink } from "./create-sink.ts";

const options = { maxInFlight: 4, onAttempt: () => {} };

describe("createSink: requests in flight", () => {
  it("keeps the writer's maxInFlight for VictoriaMetrics, which takes requests in any order", async () => {
    const sink = createSink(
      parseConfig('writer:\n  class: vm\n  datasource_url: "http://127.0.0.1:1"\n').writer,
      options,
    );
    expect(sink.maxInFlight).toBe(4);
    await sink.close();
  });

  it("appends to a file one request at a time: a file keeps the order its appends land in", async () => {
    const path = join(mkdtempSync(join(tmpdir(), "aw-sink-")), "out.jsonl");
    const sink = createSink(parseConfig(`writer:\n  class: file\n  file:\n    path: ${path}\n`).writer, options);
    expect(sink.maxInFlight).toBe(1);
    await sink.close();
  });
});
