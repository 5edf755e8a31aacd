import { rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { writeCliConfig } from "./bench-cli.ts";
import type { EndToEndContext } from "./lib/end-to-end.ts";
import { firstErrorLine } from "./lib/ensure-app-built.ts";
import { formatMiB, runChild } from "./lib/measure.ts";
import type { ResultRow } from "./lib/results.ts";
import {
  createSlotAllocator,
  datapointsOf,
  defaultAnchor,
  generateRecords,
  recordsAsJsonLines,
  type Shape,
  writeStreamed,
} from "./lib/shapes.ts";
import { verifySlot } from "./lib/verify-slot.ts";

const MiB = 1024 * 1024;
/** Issue 8: peak RSS of `write` on the 10M-datapoint file. */
export const PEAK_RSS_LIMIT = 256 * MiB;
/** "Independent of file size": the big file may cost at most this much more than a file 5× smaller. */
export const GROWTH_LIMIT = 1.2;

/** The memory shapes: backfill-like records of 100 points (20 for the small file) × 5 variables. */
export function resolveMemoryShapes(quick: boolean): { big: Shape; small: Shape } {
  const series = quick ? 2_000 : 20_000;
  return {
    big: { name: `memory ${quick ? "1M" : "10M"}`, series, points: 100, stepMs: 60_000, queryKey: "bench_memory_big" },
    small: {
      name: `memory ${quick ? "200k" : "2M"}`,
      series,
      points: 20,
      stepMs: 60_000,
      queryKey: "bench_memory_small",
    },
  };
}

interface MemoryRun {
  readonly peakRssBytes: number;
  readonly ms: number;
  readonly fileBytes: number;
  readonly verified: boolean;
  readonly note?: string;
}

async function runOnFile(ctx: EndToEndContext, config: string, shape: Shape): Promise<MemoryRun> {
  const slot = createSlotAllocator(shape, defaultAnchor())();
  const file = join(ctx.dir, `memory-${shape.queryKey}.jsonl`);
  // Streamed to disk record by record: the file is never in memory.
  await writeStreamed(file, recordsAsJsonLines(generateRecords(shape, slot)));
  const fileBytes = (await stat(file)).size;
  try {
    const run = await runChild(process.execPath, [ctx.appMain, "write", "-c", config, "-i", file], {
      measureRss: true,
      timeoutMs: 300_000,
    });
    if (run.code !== 0) throw new Error(`the CLI exited with ${run.code}: ${firstErrorLine(run.stderr + run.stdout)}`);
    const check = await verifySlot(ctx.vm, shape, slot);
    return {
      peakRssBytes: run.peakRssBytes ?? Number.NaN,
      ms: run.ms,
      fileBytes,
      verified: check.verified,
      ...(check.note ? { note: check.note } : {}),
    };
  } finally {
    await rm(file, { force: true });
  }
}

/**
 * Benchmark 5, memory: the peak RSS of `anomaly-writer write -i FILE` (GNU time's maximum RSS)
 * streaming a 10,000,000-datapoint file into VictoriaMetrics, and the same for a file 5× smaller
 * with the same series: the ratio shows whether memory grows with the file.
 */
export async function benchMemory(ctx: EndToEndContext, quick: boolean): Promise<ResultRow[]> {
  const config = writeCliConfig(ctx);
  const { big, small } = resolveMemoryShapes(quick);
  const smallRun = await runOnFile(ctx, config, small);
  ctx.log(
    `  ${small.name}: ${formatMiB(smallRun.fileBytes)} file, peak RSS ${formatMiB(smallRun.peakRssBytes)}, ${(smallRun.ms / 1000).toFixed(1)} s${smallRun.verified ? "" : ` READ-BACK FAILED ${smallRun.note}`}`,
  );
  const bigRun = await runOnFile(ctx, config, big);
  ctx.log(
    `  ${big.name}: ${formatMiB(bigRun.fileBytes)} file, peak RSS ${formatMiB(bigRun.peakRssBytes)}, ${(bigRun.ms / 1000).toFixed(1)} s${bigRun.verified ? "" : ` READ-BACK FAILED ${bigRun.note}`}`,
  );
  const growth = bigRun.peakRssBytes / smallRun.peakRssBytes;
  const extra = {
    big: { ...bigRun, datapoints: datapointsOf(big), datapointsPerSecond: (datapointsOf(big) / bigRun.ms) * 1000 },
    small: {
      ...smallRun,
      datapoints: datapointsOf(small),
      datapointsPerSecond: (datapointsOf(small) / smallRun.ms) * 1000,
    },
  };
  const verified = bigRun.verified && smallRun.verified;
  return [
    {
      benchmark: "memory peak RSS",
      shape: `${big.name} (${formatMiB(bigRun.fileBytes)} file)`,
      unit: "bytes",
      ours: bigRun.peakRssBytes,
      baseline: undefined,
      baselineName: "",
      ratio: undefined,
      target: `≤ ${formatMiB(PEAK_RSS_LIMIT)}`,
      pass: verified && bigRun.peakRssBytes <= PEAK_RSS_LIMIT,
      ...(verified ? {} : { note: "read-back failed" }),
      extra,
    },
    {
      benchmark: "memory growth",
      shape: `${big.name} vs ${small.name}`,
      unit: "bytes",
      ours: bigRun.peakRssBytes,
      baseline: smallRun.peakRssBytes,
      baselineName: small.name,
      ratio: growth,
      target: `≤ ${GROWTH_LIMIT}×`,
      pass: verified && growth <= GROWTH_LIMIT,
      extra,
    },
  ];
}
