/**
 * Which wire format costs least, for VictoriaMetrics and for us (issue 18). The same slot of the
 * bench shapes as JSON lines (/api/v1/import), Prometheus text (/api/v1/import/prometheus) and
 * remote-write protobuf (/api/v1/write, the writer's encoder, 4 MiB requests, each one snappy
 * literal): the client's encoding CPU (in this process,
 * from the records in memory), then each body POSTed by curl with VictoriaMetrics' CPU measured
 * (its /proc/<pid>/stat), every slot read back. Attempts interleaved, median of `--reps`.
 *
 *   pnpm --filter @anomaly-writer/bench exec tsx measure-wire-formats.ts [--quick] [--reps N]
 */
import { mkdtempSync } from "node:fs";
import { rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createPrometheusTextEncoder, createRecordEncoder } from "@anomaly-writer/metric-format";
import { startBenchVm } from "./lib/bench-vm.ts";
import { ownCpuSeconds, processCpuSeconds } from "./lib/cpu.ts";
import { collectGarbage, median, runChild } from "./lib/measure.ts";
import { METRIC_FORMAT, remoteWriteBodies } from "./lib/serialize-body.ts";
import {
  type BenchRecord,
  createSlotAllocator,
  datapointsOf,
  defaultAnchor,
  materializeRecords,
  resolveShapes,
  type Shape,
} from "./lib/shapes.ts";
import { verifySlot } from "./lib/verify-slot.ts";

type FormatName = "json" | "text" | "protobuf";

interface Encoded {
  /** Request bodies (protobuf: one per 4 MiB-ish batch of series, as the writer would send). */
  readonly bodies: readonly Uint8Array[];
  readonly cpuS: number;
}

/** Bytes per remote-write request, as the writer sends them (4 MiB: VictoriaMetrics decodes each request whole). */
const REMOTE_WRITE_REQUEST_BYTES = 4 * 1024 * 1024;

function encodeAs(format: FormatName, records: readonly BenchRecord[]): Encoded {
  collectGarbage();
  const t0 = ownCpuSeconds();
  let bodies: Uint8Array[];
  if (format === "protobuf") {
    // The writer's remote-write encoder, requests of up to 4 MiB, each one snappy literal.
    bodies = [...remoteWriteBodies(records, REMOTE_WRITE_REQUEST_BYTES)];
  } else {
    const json = createRecordEncoder({ metricFormat: METRIC_FORMAT });
    const text = createPrometheusTextEncoder({ metricFormat: METRIC_FORMAT });
    const parts: string[] = [];
    for (const record of records) {
      // Prometheus text carries one point per line: a multi-point record goes point by point.
      const pieces = format === "text" && record.timestamps.length > 1 ? pointByPoint(record) : [record];
      for (const piece of pieces) {
        const encoded = format === "text" ? text.encodeIfValid(piece) : json.encodeIfValid(piece);
        if (encoded === undefined) throw new Error(`${format}: a bench record cannot be encoded`);
        parts.push(encoded.text);
      }
    }
    bodies = [Buffer.from(parts.join(""))];
  }
  return { bodies, cpuS: ownCpuSeconds() - t0 };
}

/** The single-point records of a multi-point one. */
function pointByPoint(record: BenchRecord): BenchRecord[] {
  return record.timestamps.map((timestamp, i) => ({
    ...record,
    timestamps: [timestamp],
    outputs: Object.fromEntries(Object.entries(record.outputs).map(([name, values]) => [name, [values[i] as number]])),
  }));
}

const PATHS: Record<FormatName, { path: string; contentType: string; headers: string[] }> = {
  json: { path: "/api/v1/import", contentType: "application/json", headers: [] },
  text: { path: "/api/v1/import/prometheus", contentType: "text/plain", headers: [] },
  protobuf: {
    path: "/api/v1/write",
    contentType: "application/x-protobuf",
    headers: ["-H", "Content-Encoding: snappy", "-H", "X-Prometheus-Remote-Write-Version: 0.1.0"],
  },
};

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const quick = argv.includes("--quick");
  const repsAt = argv.indexOf("--reps");
  const reps = repsAt >= 0 ? Number(argv[repsAt + 1]) : 3;
  const formats: FormatName[] = ["json", "text", "protobuf"];
  const shapes = resolveShapes(quick);
  const vm = await startBenchVm();
  const dir = mkdtempSync(join(tmpdir(), "wire-formats-"));
  try {
    for (const shape of [shapes.wide, shapes.long] as Shape[]) {
      const nextSlot = createSlotAllocator(shape, defaultAnchor());
      const results: Record<
        string,
        { encodeS: number[]; curlMs: number[]; vmCpuS: number[]; curlCpuS: number[]; bytes: number[] }
      > = {};
      // Warm-up: the series known to VictoriaMetrics, the encoders' code hot.
      for (const format of formats) await sendSlot(format, nextSlot(), true);
      for (let rep = 0; rep < reps; rep++) {
        for (let k = 0; k < formats.length; k++)
          await sendSlot(formats[(rep + k) % formats.length] as FormatName, nextSlot(), false);
      }
      process.stdout.write(`\n${shape.name}: ${datapointsOf(shape)} datapoints, median of ${reps}\n`);
      process.stdout.write(
        "| format | body MiB | client encode cpu-s | curl wall s | curl cpu-s | VM cpu-s |\n|---|---|---|---|---|---|\n",
      );
      for (const format of formats) {
        const r = results[format];
        if (!r) continue;
        process.stdout.write(
          `| ${format} | ${(median(r.bytes) / 1048576).toFixed(1)} | ${median(r.encodeS).toFixed(2)} | ${(median(r.curlMs) / 1000).toFixed(2)} | ${median(r.curlCpuS).toFixed(2)} | ${median(r.vmCpuS).toFixed(2)} |\n`,
        );
      }

      async function sendSlot(format: FormatName, slot: ReturnType<typeof nextSlot>, warmUp: boolean): Promise<void> {
        const records = materializeRecords(shape, slot);
        const encoded = encodeAs(format, records);
        const files: string[] = [];
        for (const [i, body] of encoded.bodies.entries()) {
          const file = join(dir, `${format}-${slot.index}-${i}.body`);
          await writeFile(file, body);
          files.push(file);
        }
        const { path, contentType, headers } = PATHS[format];
        const args = files.flatMap((file, i) => [
          ...(i > 0 ? ["--next"] : []),
          "-sS",
          "--fail",
          "-o",
          "/dev/null",
          "-H",
          `Content-Type: ${contentType}`,
          ...headers,
          "--data-binary",
          `@${file}`,
          `${vm.url}${path}`,
        ]);
        collectGarbage();
        const vmBefore = processCpuSeconds(vm.server.pid);
        const run = await runChild("curl", args);
        const vmCpuS = processCpuSeconds(vm.server.pid) - vmBefore;
        if (run.code !== 0) throw new Error(`curl ${format}: ${run.stderr}`);
        const check = await verifySlot(vm, shape, slot);
        for (const file of files) await rm(file, { force: true });
        if (!check.verified) throw new Error(`${shape.name} ${format} slot ${slot.index}: ${check.note}`);
        if (warmUp) return;
        const r = results[format] ?? { encodeS: [], curlMs: [], vmCpuS: [], curlCpuS: [], bytes: [] };
        results[format] = r;
        r.encodeS.push(encoded.cpuS);
        r.curlMs.push(run.ms);
        r.vmCpuS.push(vmCpuS);
        r.curlCpuS.push(run.cpuSeconds ?? Number.NaN);
        r.bytes.push(encoded.bodies.reduce((n, b) => n + b.byteLength, 0));
        process.stderr.write(
          `  ${shape.name} ${format.padEnd(8)} encode ${encoded.cpuS.toFixed(2)} cpu-s, curl ${(run.ms / 1000).toFixed(2)} s, VM ${vmCpuS.toFixed(2)} cpu-s, read back ok\n`,
        );
      }
    }
  } finally {
    await vm.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
