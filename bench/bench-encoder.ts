import {
  createPrometheusTextEncoder,
  createRecordEncoder,
  type RecordEncoder,
  safeParseRecord,
} from "@anomaly-writer/metric-format";
import { collectGarbage } from "./lib/measure.ts";
import type { ResultRow, Sample } from "./lib/results.ts";
import { bestSample, rateOf } from "./lib/results.ts";
import { METRIC_FORMAT } from "./lib/serialize-body.ts";
import {
  type BenchRecord,
  createSlotAllocator,
  datapointsOf,
  defaultAnchor,
  materializeRecords,
  type Shape,
  VARIABLES,
} from "./lib/shapes.ts";

/**
 * The naive baseline: per series, build the label set and `JSON.stringify` the whole line,
 * dropping non-finite points first (what a straightforward writer does).
 */
export function encodeNaively(record: BenchRecord): string[] {
  const lines: string[] = [];
  for (const variable in record.outputs) {
    const raw = record.outputs[variable] as number[];
    const values: number[] = [];
    const timestamps: number[] = [];
    for (let i = 0; i < raw.length; i++) {
      const value = raw[i] as number;
      if (Number.isFinite(value)) {
        values.push(value);
        timestamps.push(record.timestamps[i] as number);
      }
    }
    if (values.length === 0) continue;
    const metric = {
      __name__: variable,
      ...record.labels,
      model_alias: record.model_alias,
      scheduler_alias: record.scheduler_alias,
      preset: record.preset,
      for: record.query_key,
    };
    lines.push(JSON.stringify({ metric, values, timestamps }) + "\n");
  }
  return lines;
}

/** Encode every record, returning the output size so that nothing is optimized away. */
function timeEncoding(
  records: readonly BenchRecord[],
  encode: (record: BenchRecord) => readonly string[],
): { ms: number; chars: number } {
  let chars = 0;
  const t0 = performance.now();
  for (const record of records) {
    const lines = encode(record);
    for (const line of lines) chars += line.length;
  }
  return { ms: performance.now() - t0, chars };
}

/** Like timeEncoding, for encoders that return one text chunk per record. */
function timeChunks(
  records: readonly BenchRecord[],
  encode: (record: BenchRecord) => string,
): { ms: number; chars: number } {
  let chars = 0;
  const t0 = performance.now();
  for (const record of records) chars += encode(record).length;
  return { ms: performance.now() - t0, chars };
}

const encoderFor = (labelCacheSize?: number): RecordEncoder =>
  createRecordEncoder({ metricFormat: METRIC_FORMAT, ...(labelCacheSize !== undefined ? { labelCacheSize } : {}) });

/**
 * Benchmark 4, the encoder alone (format + encode, no I/O): `createRecordEncoder().encode()` with
 * a cold cache (a new encoder) and a warm one (an encoder that has seen the same series at the
 * previous inference), against `encodeNaively`, on the same in-memory records, best of `reps`.
 * "Warm" uses a cache that holds every series of the shape (`labelCacheSize` 2 × series + 2: the
 * cache keeps two generations of half its size); "warm, default cache" shows what the writer's
 * default `labelCacheSize` (100 000 series) does with it.
 */
export function benchEncoder(shape: Shape, reps: number, log: (line: string) => void): ResultRow[] {
  const nextSlot = createSlotAllocator(shape, defaultAnchor());
  const previous = materializeRecords(shape, nextSlot());
  const records = materializeRecords(shape, nextSlot());
  const series = shape.series * VARIABLES.length;
  const datapoints = datapointsOf(shape);
  // The cache keeps two generations of capacity/2 series: every series survives one full
  // inference only when capacity/2 exceeds the series count.
  const fits = 2 * series + 2;
  const variants: Record<string, () => { ms: number; chars: number }> = {
    naive: () => timeEncoding(records, encodeNaively),
    // Ours as the writer uses it: one text per record (the lines are split only when asked for).
    cold: () => {
      const encoder = encoderFor(fits);
      return timeChunks(records, (r) => encoder.encode(r).text);
    },
    warm: () => {
      const encoder = encoderFor(fits);
      timeChunks(previous, (r) => encoder.encode(r).text);
      return timeChunks(records, (r) => encoder.encode(r).text);
    },
    "warm-default-cache": () => {
      const encoder = encoderFor();
      timeChunks(previous, (r) => encoder.encode(r).text);
      return timeChunks(records, (r) => encoder.encode(r).text);
    },
    // What the writer does with an unchecked input: validate and encode in one pass when it can.
    "validate+warm": () => {
      const encoder = encoderFor(fits);
      timeChunks(previous, (r) => encoder.encode(r).text);
      return timeChunks(records, (r) => {
        const fast = encoder.encodeIfValid(r);
        if (fast) return fast.text;
        const parsed = safeParseRecord(r);
        if (!parsed.success) throw new Error("invalid bench record");
        return encoder.encode(parsed.output).text;
      });
    },
  };
  // What the writer does with single-point records (wire_format auto): Prometheus text, validated and encoded in one pass.
  if (shape.points === 1) {
    variants["prometheus-text"] = () => {
      const encoder = createPrometheusTextEncoder({ metricFormat: METRIC_FORMAT });
      return timeChunks(records, (r) => {
        const encoded = encoder.encodeIfValid(r);
        if (encoded === undefined) throw new Error("a bench record did not take the Prometheus-text path");
        return encoded.text;
      });
    };
  }
  const samples: Record<string, Sample[]> = Object.fromEntries(Object.keys(variants).map((k) => [k, [] as Sample[]]));
  // One untimed round warms the JIT of every variant.
  for (const run of Object.values(variants)) run();
  for (let rep = 0; rep < reps; rep++) {
    for (const [name, run] of Object.entries(variants)) {
      collectGarbage();
      const { ms } = run();
      (samples[name] as Sample[]).push({ ms, datapoints });
    }
  }
  const rate = (name: string) => rateOf(bestSample(samples[name] ?? []));
  const naive = rate("naive");
  for (const name of Object.keys(variants))
    log(`  encoder ${shape.name} ${name.padEnd(20)} ${(rate(name) / 1e6).toFixed(2)} M datapoints/s`);
  const row = (name: string, label: string, target?: number): ResultRow => {
    const ours = rate(name);
    const ratio = ours / naive;
    return {
      benchmark: `encoder ${label}`,
      shape: shape.name,
      unit: "rate",
      ours,
      baseline: naive,
      baselineName: "naive",
      ratio,
      target: target === undefined ? undefined : `≥ ${target}×`,
      pass: target === undefined ? undefined : ratio >= target,
      samples: { [name]: samples[name] ?? [], naive: samples.naive ?? [] },
      extra: { series },
    };
  };
  const wide = shape.name === "wide";
  return [
    row("warm", "warm cache", wide ? 3 : undefined),
    row("cold", "cold cache"),
    row("warm-default-cache", "warm, default cache size"),
    row("validate+warm", "validate+encode warm"),
    ...(shape.points === 1 ? [row("prometheus-text", "validate+encode Prometheus text")] : []),
  ];
}
