import { rm } from "node:fs/promises";
import { join } from "node:path";
import type { EndToEndContext, Participant } from "./end-to-end.ts";
import { runChild } from "./measure.ts";
import { writeBodyFile } from "./serialize-body.ts";

/**
 * The physical limit: the exact bytes our writer sends for a slot (encoded by our encoder with
 * the writer's settings), pre-serialized into one file and POSTed in one request by
 * `curl --data-binary @file` to the same VictoriaMetrics. One body, because VictoriaMetrics
 * parses one import stream on all its cores; the time is curl's whole life (spawn to exit).
 */
export function createCurlParticipant(ctx: EndToEndContext): Participant {
  return {
    name: "curl",
    async measure(shape, slot, records) {
      const file = join(ctx.dir, `curl-${shape.name}-${slot.index}.json`);
      const bytes = await writeBodyFile(file, records);
      try {
        const run = await runChild("curl", ["-sS", "--fail", "-o", "/dev/null", "-H", "Content-Type: application/json", "--data-binary", `@${file}`, ctx.vm.importUrl]);
        if (run.code !== 0) throw new Error(`curl exited with ${run.code}: ${run.stderr.trim()}`);
        return { ms: run.ms, ...(run.cpuSeconds !== undefined ? { clientCpuS: run.cpuSeconds } : {}), note: `${(bytes / 1048576).toFixed(0)} MiB body` };
      } finally {
        await rm(file, { force: true });
      }
    },
  };
}
