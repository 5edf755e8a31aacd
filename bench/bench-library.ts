import type { CreateVmWriterOptions, VmWriter } from "@anomaly-writer/writer";
import { ownCpuSeconds } from "./lib/cpu.ts";
import type { EndToEndContext, Participant } from "./lib/end-to-end.ts";
import { loadBuiltLibrary } from "./lib/load-built-library.ts";
import { datapointsOf } from "./lib/shapes.ts";

/** The config every end-to-end benchmark uses: the run's VictoriaMetrics, vmanomaly defaults (and our default `wire_format: auto`). */
export function benchConfigYaml(vmUrl: string, wireFormat: "auto" | "json" = "auto"): string {
  return `writer:\n  class: vm\n  datasource_url: "${vmUrl}"\n${wireFormat === "auto" ? "" : `  wire_format: ${wireFormat}\n`}`;
}

/**
 * Benchmark 1, the library path: `createVmWriter(config).write(records)` from in-memory records
 * (materialized before the clock starts), with the writer's default options unless given, built
 * as a user's program runs it (load-built-library.ts). One
 * writer per shape, kept across attempts as a long-running inference service keeps it (its label
 * cache is warm after the warm-up write, as VictoriaMetrics' index is).
 */
export function createLibraryParticipant(
  ctx: EndToEndContext,
  options: CreateVmWriterOptions = {},
  name = "library",
  wireFormat: "auto" | "json" = "auto",
): Participant {
  let writer: VmWriter | undefined;
  const writerFor = async () => {
    const { createVmWriter, parseConfig } = await loadBuiltLibrary();
    writer ??= createVmWriter(parseConfig(benchConfigYaml(ctx.vm.url, wireFormat), { env: {} }), options);
    return writer;
  };
  return {
    name,
    async warmUp(_shape, _slot, records) {
      await (await writerFor()).write(records);
    },
    async measure(shape, _slot, records) {
      const w = await writerFor();
      const cpu0 = ownCpuSeconds();
      const t0 = performance.now();
      const result = await w.write(records);
      const ms = performance.now() - t0;
      const clientCpuS = ownCpuSeconds() - cpu0;
      if (!result.ok || result.datapoints !== datapointsOf(shape)) {
        throw new Error(
          `write() reported ok=${result.ok}, ${result.datapoints}/${datapointsOf(shape)} datapoints, ${result.failures.length} failures`,
        );
      }
      return { ms, clientCpuS, note: `${result.requests} requests` };
    },
    async close() {
      await writer?.close();
    },
  };
}
