import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { ownCpuSeconds } from "./lib/cpu.ts";
import type { EndToEndContext, Participant } from "./lib/end-to-end.ts";
import { loadBuiltLibrary } from "./lib/load-built-library.ts";
import { type BenchRecord, datapointsOf } from "./lib/shapes.ts";

/**
 * Benchmark 6, catch-up after an outage: a slot's records are queued by a writer that sends
 * nothing (the outage; untimed), then a writer opening that queue, as `serve` does once
 * VictoriaMetrics is back, sends them (timed: from opening the queue until it is drained). Its
 * rate is compared with the library writing the same shape directly.
 */
export function createCatchupParticipant(ctx: EndToEndContext): Participant {
  const dir = mkdtempSync(join(ctx.dir || tmpdir(), "catchup-queue-"));
  const yaml = `writer:\n  class: vm\n  datasource_url: "${ctx.vm.url}"\n  queue:\n    path: ${join(dir, "queue")}\n    max_size: 4GiB\n`;
  const fill = async (records: readonly BenchRecord[], expected: number) => {
    const { createVmWriter, parseConfig } = await loadBuiltLibrary();
    const writer = createVmWriter(parseConfig(yaml, { env: {} }), { backgroundSender: false });
    try {
      const result = await writer.write(records);
      if (!result.ok || result.datapoints !== expected)
        throw new Error(`queueing reported ok=${result.ok}, ${result.datapoints}/${expected} datapoints`);
    } finally {
      await writer.close();
    }
  };
  const catchUp = async () => {
    const { createVmWriter, parseConfig } = await loadBuiltLibrary();
    const writer = createVmWriter(parseConfig(yaml, { env: {} }));
    try {
      await writer.ready();
      while (writer.queueStats().pendingEntries > 0) await sleep(2);
    } finally {
      await writer.close();
    }
  };
  return {
    name: "catchup",
    async warmUp(shape, _slot, records) {
      await fill(records, datapointsOf(shape));
      await catchUp();
    },
    async measure(shape, _slot, records) {
      await fill(records, datapointsOf(shape));
      const cpu0 = ownCpuSeconds();
      const t0 = performance.now();
      await catchUp();
      return { ms: performance.now() - t0, clientCpuS: ownCpuSeconds() - cpu0 };
    },
    async close() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
