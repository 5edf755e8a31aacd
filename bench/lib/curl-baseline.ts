import { rm } from "node:fs/promises";
import { join } from "node:path";
import type { EndToEndContext, Participant } from "./end-to-end.ts";
import { runChild } from "./measure.ts";
import { type BodyFormat, writeBodyFile } from "./serialize-body.ts";

const WIRES: Record<BodyFormat, { readonly name: string; readonly path: string; readonly contentType: string }> = {
  json: { name: "curl", path: "/api/v1/import", contentType: "application/json" },
  prometheus: { name: "curl text", path: "/api/v1/import/prometheus", contentType: "text/plain" },
};

/**
 * The physical limit of one wire format: the points of a slot, pre-serialized into one file (JSON
 * lines, vmanomaly's wire, or Prometheus text, both by our encoders with the writer's settings)
 * and POSTed in one request by `curl --data-binary @file` to the same VictoriaMetrics. One body,
 * because VictoriaMetrics parses one import stream on all its cores; the time is curl's whole
 * life (spawn to exit).
 */
export function createCurlParticipant(ctx: EndToEndContext, format: BodyFormat = "json"): Participant {
  const wire = WIRES[format];
  return {
    name: wire.name,
    async measure(shape, slot, records) {
      const file = join(ctx.dir, `curl-${format}-${shape.name}-${slot.index}.body`);
      const bytes = await writeBodyFile(file, records, format);
      try {
        const run = await runChild("curl", [
          "-sS",
          "--fail",
          "-o",
          "/dev/null",
          "-H",
          `Content-Type: ${wire.contentType}`,
          "--data-binary",
          `@${file}`,
          `${ctx.vm.url}${wire.path}`,
        ]);
        if (run.code !== 0) throw new Error(`curl exited with ${run.code}: ${run.stderr.trim()}`);
        return {
          ms: run.ms,
          ...(run.cpuSeconds !== undefined ? { clientCpuS: run.cpuSeconds } : {}),
          note: `${(bytes / 1048576).toFixed(0)} MiB body`,
        };
      } finally {
        await rm(file, { force: true });
      }
    },
  };
}
