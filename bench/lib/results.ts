import { formatMiB, formatRate } from "./measure.ts";

/** One timed attempt of one participant. */
export interface Sample {
  readonly ms: number;
  readonly datapoints: number;
  /** Read back from VictoriaMetrics and found complete (undefined: not checked). */
  readonly verified?: boolean;
  /** CPU seconds VictoriaMetrics used during the attempt (its /proc stat). */
  readonly vmCpuS?: number;
  /** CPU seconds the client used during the attempt. */
  readonly clientCpuS?: number;
  readonly note?: string;
}

/** One line of the results table. */
export interface ResultRow {
  readonly benchmark: string;
  readonly shape: string;
  /** `rate`: datapoints/s, higher is better; `bytes`: peak RSS, lower is better. */
  readonly unit: "rate" | "bytes" | "ratio";
  readonly ours: number;
  readonly baseline: number | undefined;
  readonly baselineName: string;
  /** ours / baseline (rates), or the measured value for absolute targets. */
  readonly ratio: number | undefined;
  /** Human target, e.g. "≥ 0.9×", "≤ 256 MiB"; undefined for information rows. */
  readonly target: string | undefined;
  readonly pass: boolean | undefined;
  readonly note?: string;
  /** Every attempt, for results/latest.json. */
  readonly samples?: Readonly<Record<string, readonly Sample[]>>;
  readonly extra?: Readonly<Record<string, unknown>>;
}

function formatValue(unit: ResultRow["unit"], value: number | undefined): string {
  if (value === undefined) return "-";
  if (unit === "rate") return formatRate(value);
  if (unit === "bytes") return formatMiB(value);
  return `${value.toFixed(2)}×`;
}

/** The results as a Markdown table (printed and written to RESULTS.md). */
export function formatTable(rows: readonly ResultRow[]): string {
  const header = ["benchmark", "shape", "ours", "baseline", "ratio", "target", "result"];
  const body = rows.map((row) => [
    row.benchmark,
    row.shape,
    formatValue(row.unit, row.ours),
    row.baseline === undefined ? "-" : `${formatValue(row.unit, row.baseline)} (${row.baselineName})`,
    row.ratio === undefined ? "-" : `${row.ratio.toFixed(2)}×`,
    row.target ?? "info",
    row.pass === undefined ? "-" : row.pass ? "PASS" : "FAIL",
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((r) => (r[i] as string).length)));
  const line = (cells: readonly string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i] as number)).join(" | ")} |`;
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...body.map(line)].join("\n");
}

/** Best (fastest) verified sample; a failed verification disqualifies a sample. */
export function bestSample(samples: readonly Sample[]): Sample | undefined {
  const good = samples.filter((s) => s.verified !== false);
  if (good.length === 0) return undefined;
  return good.reduce((a, b) => (b.ms < a.ms ? b : a));
}

/** datapoints/s of a sample. */
export function rateOf(sample: Sample | undefined): number {
  return sample === undefined ? Number.NaN : (sample.datapoints / sample.ms) * 1000;
}

/** A throughput row: ours vs a baseline, both best of their samples, with a ratio target. */
export function rateRow(input: {
  benchmark: string;
  shape: string;
  ours: readonly Sample[];
  baseline: readonly Sample[];
  baselineName: string;
  target?: number;
  note?: string;
  samples: Readonly<Record<string, readonly Sample[]>>;
}): ResultRow {
  const ours = rateOf(bestSample(input.ours));
  const baseline = rateOf(bestSample(input.baseline));
  const ratio = ours / baseline;
  const failedChecks = [...input.ours, ...input.baseline].filter((s) => s.verified === false).length;
  const notes = [
    input.note,
    failedChecks > 0 ? `${failedChecks} attempt(s) failed the read-back check` : undefined,
  ].filter(Boolean);
  return {
    benchmark: input.benchmark,
    shape: input.shape,
    unit: "rate",
    ours,
    baseline,
    baselineName: input.baselineName,
    ratio: Number.isFinite(ratio) ? ratio : undefined,
    target: input.target === undefined ? undefined : `≥ ${input.target}×`,
    pass: input.target === undefined ? undefined : Number.isFinite(ratio) && ratio >= input.target,
    ...(notes.length > 0 ? { note: notes.join("; ") } : {}),
    samples: input.samples,
  };
}

/** CPU use of one participant on one shape. */
export interface CpuRow {
  readonly shape: string;
  readonly participant: string;
  readonly ms: number;
  readonly clientCpuS: number;
  readonly vmCpuS: number;
}

/** Median wall time and CPU seconds of each participant's attempts. */
export function summarizeCpu(shape: string, samples: Readonly<Record<string, readonly Sample[]>>): CpuRow[] {
  const mid = (values: number[]) => {
    const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
    return sorted.length === 0 ? Number.NaN : (sorted[Math.floor((sorted.length - 1) / 2)] as number);
  };
  return Object.entries(samples).map(([participant, list]) => ({
    shape,
    participant,
    ms: mid(list.map((s) => s.ms)),
    clientCpuS: mid(list.map((s) => s.clientCpuS ?? Number.NaN)),
    vmCpuS: mid(list.map((s) => s.vmCpuS ?? Number.NaN)),
  }));
}

/** The CPU table: wall seconds, client and VictoriaMetrics CPU seconds, and their sum per wall second. */
export function formatCpuTable(rows: readonly CpuRow[]): string {
  const header = ["shape", "participant", "wall s", "client cpu-s", "VM cpu-s", "cores busy"];
  const body = rows.map((r) => [
    r.shape,
    r.participant,
    (r.ms / 1000).toFixed(2),
    Number.isFinite(r.clientCpuS) ? r.clientCpuS.toFixed(2) : "-",
    Number.isFinite(r.vmCpuS) ? r.vmCpuS.toFixed(2) : "-",
    Number.isFinite(r.clientCpuS + r.vmCpuS) ? ((r.clientCpuS + r.vmCpuS) / (r.ms / 1000)).toFixed(2) : "-",
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((r) => (r[i] as string).length)));
  const line = (cells: readonly string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i] as number)).join(" | ")} |`;
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...body.map(line)].join("\n");
}
