import { rm } from "node:fs/promises";
import { join } from "node:path";
import type { EndToEndContext, Participant } from "./end-to-end.ts";
import { runChild } from "./measure.ts";
import { type BodyFormat, writeBodyFile, writeRemoteWriteFiles } from "./serialize-body.ts";

const WIRES: Record<BodyFormat, { readonly name: string; readonly path: string; readonly headers: readonly string[] }> =
  {
    json: { name: "curl", path: "/api/v1/import", headers: ["Content-Type: application/json"] },
    prometheus: { name: "curl text", path: "/api/v1/import/prometheus", headers: ["Content-Type: text/plain"] },
    remote_write: {
      name: "curl remote write",
      path: "/api/v1/write",
      headers: [
        "Content-Type: application/x-protobuf",
        "Content-Encoding: snappy",
        "X-Prometheus-Remote-Write-Version: 0.1.0",
      ],
    },
  };

/** The name of the curl participant of a wire format. */
export function curlName(format: BodyFormat): string {
  return WIRES[format].name;
}

/** Parallel requests of the remote-write baseline, as many as the writer keeps in flight. */
const REMOTE_WRITE_PARALLEL = 4;

/**
 * The physical limit of one wire format: the points of a slot, pre-serialized into files (JSON
 * lines, vmanomaly's wire, Prometheus text or remote write, all by our encoders with the writer's
 * settings) and POSTed by one `curl --data-binary` process to the same VictoriaMetrics. JSON
 * lines and text go as one body, because VictoriaMetrics parses one import stream on all its
 * cores; remote write goes as 4 MiB requests, 4 at a time (`--parallel`), because it refuses
 * bodies over 32 MB and decodes each request whole. The time is curl's whole life (spawn to exit).
 */
export function createCurlParticipant(ctx: EndToEndContext, format: BodyFormat = "json"): Participant {
  const wire = WIRES[format];
  return {
    name: wire.name,
    async measure(shape, slot, records) {
      const base = join(ctx.dir, `curl-${format}-${shape.name}-${slot.index}`);
      const { files, bytes } =
        format === "remote_write"
          ? await writeRemoteWriteFiles((i) => `${base}-${i}.body`, records)
          : { files: [`${base}.body`], bytes: await writeBodyFile(`${base}.body`, records, format) };
      try {
        const one = (file: string) => [
          "-sS",
          "--fail",
          "-o",
          "/dev/null",
          ...wire.headers.flatMap((header) => ["-H", header]),
          "--data-binary",
          `@${file}`,
          `${ctx.vm.url}${wire.path}`,
        ];
        const args = [
          ...(files.length > 1 ? ["--parallel", "--parallel-max", String(REMOTE_WRITE_PARALLEL)] : []),
          ...files.flatMap((file, i) => [...(i > 0 ? ["--next"] : []), ...one(file)]),
        ];
        const run = await runChild("curl", args);
        if (run.code !== 0) throw new Error(`curl exited with ${run.code}: ${run.stderr.trim()}`);
        const size = `${(bytes / 1048576).toFixed(0)} MiB`;
        return {
          ms: run.ms,
          ...(run.cpuSeconds !== undefined ? { clientCpuS: run.cpuSeconds } : {}),
          note: files.length > 1 ? `${files.length} requests, ${size}` : `${size} body`,
        };
      } finally {
        for (const file of files) await rm(file, { force: true });
      }
    },
  };
}
