import { writeFileSync } from "node:fs";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { benchConfigYaml } from "./bench-library.ts";
import type { EndToEndContext, Participant } from "./lib/end-to-end.ts";
import { firstErrorLine } from "./lib/ensure-app-built.ts";
import { runChild } from "./lib/measure.ts";
import { recordsAsJsonLines, writeStreamed } from "./lib/shapes.ts";

/** Write the CLI's config file for the run's VictoriaMetrics; returns its path. */
export function writeCliConfig(ctx: EndToEndContext): string {
  const path = join(ctx.dir, "config.yml");
  writeFileSync(path, benchConfigYaml(ctx.vm.url));
  return path;
}

/**
 * Benchmark 2, the CLI path: `node apps/writer/dist/main.mjs write -c CONFIG -i FILE` on the
 * slot's records as a JSON-lines file (written before the clock starts). The time is the whole
 * process, spawn to exit: Node start-up, reading and parsing the file, writing, the summary.
 */
export function createCliParticipant(ctx: EndToEndContext): Participant {
  const config = writeCliConfig(ctx);
  return {
    name: "cli",
    async measure(shape, slot, records) {
      const file = join(ctx.dir, `cli-${shape.name}-${slot.index}.jsonl`);
      await writeStreamed(file, recordsAsJsonLines(records));
      try {
        const run = await runChild(process.execPath, [ctx.appMain, "write", "-c", config, "-i", file], {
          timeoutMs: 300_000,
        });
        if (run.code !== 0)
          throw new Error(`the CLI exited with ${run.code}: ${firstErrorLine(run.stderr + run.stdout)}`);
        return { ms: run.ms, ...(run.cpuSeconds !== undefined ? { clientCpuS: run.cpuSeconds } : {}) };
      } finally {
        await rm(file, { force: true });
      }
    },
  };
}
