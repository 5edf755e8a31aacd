import { once } from "node:events";
import { createWriteStream } from "node:fs";

/** The five standard vmanomaly output variables. */
export const VARIABLES = ["anomaly_score", "y", "yhat", "yhat_lower", "yhat_upper"] as const;

/** A benchmark data shape: `series` input series × `points` timestamps × 5 output variables. */
export interface Shape {
  readonly name: string;
  /** Input series (records per slot); each gives five output series. */
  readonly series: number;
  /** Timestamps per record. */
  readonly points: number;
  /** Spacing of the timestamps, ms. */
  readonly stepMs: number;
  /** The query_key, also the `for` label that tells the shapes apart in VictoriaMetrics. */
  readonly queryKey: string;
}

/** A model-output record (spec §2), as produced by a model. */
export interface BenchRecord {
  query_key: string;
  labels: Record<string, string>;
  timestamps: number[];
  outputs: Record<string, number[]>;
  model_alias: string;
  scheduler_alias: string;
  preset: string;
}

/** The shapes of issue 8: wide (inference) and long (backfill); `--quick` divides them. */
export function resolveShapes(quick: boolean): { readonly wide: Shape; readonly long: Shape } {
  return {
    wide: { name: "wide", series: quick ? 10_000 : 100_000, points: 1, stepMs: 60_000, queryKey: "bench_wide" },
    long: {
      name: "long",
      series: quick ? 40 : 200,
      points: quick ? 500 : 2_500,
      stepMs: 60_000,
      queryKey: "bench_long",
    },
  };
}

/** Output datapoints of one slot of a shape. */
export function datapointsOf(shape: Shape): number {
  return shape.series * shape.points * VARIABLES.length;
}

/**
 * The time range of one measurement: every measurement writes the same series into its own,
 * non-overlapping range, so that read-back counts tell them apart and nothing is a duplicate.
 * Slots go back in time from 23:00 UTC of the previous day (see defaultAnchor).
 */
export interface Slot {
  readonly index: number;
  /** First timestamp (ms). */
  readonly start: number;
  /** Last timestamp (ms). */
  readonly end: number;
}

const HOUR = 3_600_000;

/** Create the slot allocator of a shape; `anchor` is a whole minute in the past. */
export function createSlotAllocator(shape: Shape, anchor: number): () => Slot {
  // A gap of ten steps between slots keeps windows apart.
  const span = (shape.points + 10) * shape.stepMs;
  let next = 0;
  return () => {
    const index = next++;
    const end = anchor - index * span;
    return { index, start: end - (shape.points - 1) * shape.stepMs, end };
  };
}

const DAY = 24 * HOUR;

/**
 * Where slots start: 23:00 UTC of the previous day, so that the wide shape's slots (11 minutes
 * apart) stay in one UTC day whatever the time of the run. The first write of a day makes
 * VictoriaMetrics 1.79 build that day's index entries for every series (5 CPU-s for 500,000
 * series, measured), and a read-back right after it found nothing, even on retries: that cost
 * falls on the untimed warm-up slot this way, not on one participant's attempt.
 */
export function defaultAnchor(): number {
  return Math.floor(Date.now() / DAY) * DAY - HOUR;
}

/** mulberry32: a small deterministic PRNG, so every run writes the same values. */
export function createRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Input labels of series `i` of a shape: like node_exporter CPU series. */
export function labelsOf(shape: Shape, i: number): Record<string, string> {
  return {
    instance: `host-${Math.floor(i / 8)}.example.internal:9100`,
    job: "node",
    cpu: String(i % 8),
    mode: "user",
    shape: shape.name,
  };
}

/**
 * The records of one slot, one per input series. Values are full-precision doubles as a model
 * (numpy float64) produces them: the costly case for number formatting.
 */
export function* generateRecords(shape: Shape, slot: Slot, seed = 1): Generator<BenchRecord> {
  const random = createRandom(seed + slot.index * 7919);
  const timestamps: number[] = [];
  for (let p = 0; p < shape.points; p++) timestamps.push(slot.start + p * shape.stepMs);
  for (let i = 0; i < shape.series; i++) {
    const outputs: Record<string, number[]> = {};
    const y: number[] = [];
    const yhat: number[] = [];
    const lower: number[] = [];
    const upper: number[] = [];
    const score: number[] = [];
    for (let p = 0; p < shape.points; p++) {
      const base = 40 + 30 * Math.sin((i + p) / 50);
      const noise = (random() - 0.5) * 10;
      const value = base + noise;
      y.push(value);
      yhat.push(base);
      lower.push(base - 7.5 + random());
      upper.push(base + 7.5 + random());
      score.push(Math.abs(noise) / 5);
    }
    outputs.anomaly_score = score;
    outputs.y = y;
    outputs.yhat = yhat;
    outputs.yhat_lower = lower;
    outputs.yhat_upper = upper;
    yield {
      query_key: shape.queryKey,
      labels: labelsOf(shape, i),
      // Each record gets its own array, as records parsed from JSON would.
      timestamps: timestamps.slice(),
      outputs,
      model_alias: "zscore",
      scheduler_alias: "s1",
      preset: "bench",
    };
  }
}

/** All records of one slot in memory (prepared before a timed library write). */
export function materializeRecords(shape: Shape, slot: Slot, seed = 1): BenchRecord[] {
  return [...generateRecords(shape, slot, seed)];
}

/**
 * Write text pieces to a file through a stream, respecting backpressure, so that a file of any
 * size never sits in memory. Returns the bytes written.
 */
export async function writeStreamed(path: string, pieces: Iterable<string>): Promise<number> {
  const out = createWriteStream(path);
  let bytes = 0;
  let buffer = "";
  for (const piece of pieces) {
    buffer += piece;
    if (buffer.length >= 1 << 20) {
      bytes += Buffer.byteLength(buffer);
      if (!out.write(buffer)) await once(out, "drain");
      buffer = "";
    }
  }
  if (buffer !== "") {
    bytes += Buffer.byteLength(buffer);
    out.write(buffer);
  }
  out.end();
  await once(out, "finish");
  return bytes;
}

/** The JSON lines of records (the CLI's input). */
export function* recordsAsJsonLines(records: Iterable<BenchRecord>): Generator<string> {
  for (const record of records) yield JSON.stringify(record) + "\n";
}
