import { parseConfig } from "@anomaly-writer/config";
import {
  type ExportedSeries,
  httpSend,
  startVictoriaMetrics,
  type VictoriaMetricsServer,
  writerYaml,
} from "@anomaly-writer/test-stack";
import { createVmWriter, type VmWriter } from "@anomaly-writer/writer";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type IngestServer, startIngestServer } from "./start-ingest-server.ts";

const DAY = 86_400_000;
const RUNS = 40;
/** VictoriaMetrics' counters of samples it drops or cuts while answering 204. */
const DROP_COUNTERS = [
  "vm_rows_ignored_total",
  "vm_too_long_label_values_total",
  "vm_too_long_label_names_total",
  "vm_metrics_with_dropped_labels_total",
];

let vm: VictoriaMetricsServer;
let writer: VmWriter;
let server: IngestServer;
beforeAll(async () => {
  // VictoriaMetrics 1.79 with its default limits (1 month, 30 labels, 16 KiB values) stated explicitly.
  vm = await startVictoriaMetrics({ flags: ["-retentionPeriod=1"] });
  writer = createVmWriter(parseConfig(writerYaml(vm.url)));
  server = await startIngestServer(writer, { port: 0, accessLog: false });
});
afterAll(async () => {
  await server?.close({ graceMs: 100 });
  await writer?.close();
  await vm?.stop();
});

async function dropCounters(): Promise<Record<string, number>> {
  const text = (await vm.request("/metrics")).body;
  return Object.fromEntries(
    DROP_COUNTERS.map((name) => [
      name,
      text
        .split("\n")
        .filter((line) => line.startsWith(`${name} `) || line.startsWith(`${name}{`))
        .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(" ") + 1)), 0),
    ]),
  );
}

const now = Date.now();
/** Timestamps well inside or well outside the window (never within minutes of an edge), and what they are. */
const timestamp = fc.oneof(
  { weight: 8, arbitrary: fc.integer({ min: now - 30 * DAY, max: now + DAY / 2 }).map((t) => ({ t, ok: true })) },
  { weight: 1, arbitrary: fc.integer({ min: now - 60 * DAY, max: now - 32 * DAY }).map((t) => ({ t, ok: false })) },
  { weight: 1, arbitrary: fc.integer({ min: now + 3 * DAY, max: now + 30 * DAY }).map((t) => ({ t, ok: false })) },
  {
    weight: 1,
    arbitrary: fc.integer({ min: now - 30 * DAY, max: now }).map((t) => ({ t: Math.floor(t / 1000), ok: false })),
  },
  { weight: 1, arbitrary: fc.integer({ min: now - 30 * DAY, max: now }).map((t) => ({ t: t * 1000, ok: false })) },
  { weight: 1, arbitrary: fc.constantFrom({ t: 0, ok: false }, { t: -5, ok: false }, { t: now + 0.5, ok: false }) },
);
const text = (maxLength: number) =>
  fc.string({ unit: fc.constantFrom(...'abcxyzABC019 _-.:/"\\\n\té日😀'.split(/(?:)/u)), maxLength });
const labelValue = fc.oneof(
  { weight: 8, arbitrary: text(12) },
  { weight: 1, arbitrary: fc.integer({ min: 16_370, max: 16_400 }).map((n) => "v".repeat(n)) },
);
const labelName = fc.oneof(
  {
    weight: 12,
    arbitrary: fc
      .stringMatching(/^[a-zA-Z][a-zA-Z0-9_]{0,9}$/)
      .filter((n) => !["run", "for", "model_alias", "scheduler_alias", "preset"].includes(n)),
  },
  { weight: 1, arbitrary: fc.integer({ min: 250, max: 262 }).map((n) => "n".repeat(n)) },
);
const labels = fc.oneof(
  { weight: 4, arbitrary: fc.dictionary(labelName, labelValue, { maxKeys: 4 }) },
  { weight: 1, arbitrary: fc.dictionary(labelName, labelValue, { minKeys: 24, maxKeys: 30 }) },
);
const value = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: -999_999, max: 999_999 }) },
  { weight: 1, arbitrary: fc.constantFrom(null, "NaN", "Inf") },
);
const recordArb = fc.record({
  labels,
  timestamps: fc.uniqueArray(timestamp, { minLength: 1, maxLength: 4, selector: (ts) => ts.t }),
  variables: fc.oneof(
    {
      weight: 12,
      arbitrary: fc.uniqueArray(fc.stringMatching(/^[a-z][a-z0-9_]{0,7}$/), { minLength: 1, maxLength: 3 }),
    },
    {
      weight: 1,
      arbitrary: fc.integer({ min: 1001, max: 1100 }).map((n) => Array.from({ length: n }, (_, i) => `w${i}`)),
    },
  ),
  values: fc.array(value, { minLength: 12, maxLength: 12 }),
  alias: fc.option(text(8), { nil: undefined }),
  malformed: fc.integer({ min: 0, max: 19 }).map((n) => n === 0),
});
type Generated = typeof recordArb extends fc.Arbitrary<infer T> ? T : never;

/** What the spec says the series of an accepted record are, computed the plain way. */
function expectedSeries(record: {
  query_key: string;
  labels: Record<string, string>;
  timestamps: number[];
  outputs: Record<string, unknown[]>;
  model_alias?: string;
}): ExportedSeries[] {
  const out: ExportedSeries[] = [];
  for (const [variable, values] of Object.entries(record.outputs)) {
    const metric: Record<string, string> = {};
    for (const [name, v] of Object.entries(record.labels)) if (v !== "") metric[name] = v;
    if (record.model_alias !== undefined && record.model_alias !== "") metric.model_alias = record.model_alias;
    metric.__name__ = variable;
    metric.for = record.query_key;
    const points = values
      .map((v, i) => [v, record.timestamps[i] as number] as const)
      .filter(([v]) => typeof v === "number")
      .sort((a, b) => a[1] - b[1]);
    if (points.length > 0)
      out.push({ metric, values: points.map(([v]) => v as number), timestamps: points.map(([, t]) => t) });
  }
  return out;
}

/** Whether VictoriaMetrics 1.79 with its defaults would keep the record as sent (an oracle independent of the writer). */
function keepable(
  g: Generated,
  record: { query_key: string; labels: Record<string, string>; model_alias?: string },
): boolean {
  if (g.malformed || !g.timestamps.every((ts) => ts.ok)) return false;
  if (g.variables.length > 1000) return false;
  const names = Object.entries(record.labels).filter(([, v]) => v !== "");
  if (record.model_alias) names.push(["model_alias", record.model_alias]);
  if (names.some(([n, v]) => Buffer.byteLength(n) > 256 || Buffer.byteLength(v) > 16_384)) return false;
  // VictoriaMetrics 1.79 loses series of about 32 KiB of labels: the writer refuses more than 32,000 bytes.
  const shared = names
    .filter(([n]) => n !== "__name__" && n !== "for")
    .reduce((sum, [n, v]) => sum + Buffer.byteLength(n) + Buffer.byteLength(v), 0);
  const seriesBytes = (variable: string) =>
    shared + "__name__".length + Buffer.byteLength(variable) + "for".length + Buffer.byteLength(record.query_key);
  if (g.variables.some((variable) => seriesBytes(variable) > 32_000)) return false;
  return names.length + 2 <= 30;
}

const key = (s: ExportedSeries) => JSON.stringify(Object.entries(s.metric).sort(([a], [b]) => (a < b ? -1 : 1)));

describe("startIngestServer with random records, labels, sizes and timestamps (property)", () => {
  it("stays up with bounded memory; every datum answered as written is read back exactly, every refused one is named", async () => {
    const countersBefore = await dropCounters();
    let run = 0;
    let peakHeap = 0;
    let accepted = 0;
    let refused = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(recordArb, { minLength: 1, maxLength: 10 }),
        fc.boolean(),
        async (generated, asArray) => {
          run++;
          const records = generated.map((g, i) => {
            const count = g.timestamps.length;
            const outputs = Object.fromEntries(
              g.variables.map((v, j) => [v, Array.from({ length: count }, (_, k) => g.values[(j + k) % 12])]),
            );
            const record = {
              query_key: `prop${run}_${i}`,
              labels: { ...g.labels, run: `r${run}` },
              timestamps: g.timestamps.map((ts) => ts.t),
              outputs,
              ...(g.alias !== undefined && { model_alias: g.alias }),
            };
            return g.malformed ? { ...record, outputs: undefined } : record;
          });
          const body = asArray ? JSON.stringify(records) : records.map((r) => JSON.stringify(r)).join("\n");
          const res = await httpSend(`${server.url}/api/v1/outputs`, {
            method: "POST",
            body,
            headers: { "content-type": "application/json" },
            timeoutMs: 60_000,
          });
          expect([200, 400]).toContain(res.status);
          const answer = JSON.parse(res.body) as { errors: { position: string; reason: string }[]; invalid: number };
          const named = new Set(answer.errors.map((e) => e.position));
          expect(answer.errors).toHaveLength(answer.invalid);

          const expected = new Map<string, ExportedSeries>();
          records.forEach((record, i) => {
            // One JSON document (an array, or a single record) is numbered by record, JSON lines by line.
            const position = asArray || records.length === 1 ? `record ${i + 1}` : `line ${i + 1}`;
            const g = generated[i] as Generated;
            // The writer refuses exactly what VictoriaMetrics would not keep as sent.
            expect(
              named.has(position),
              `${position} ${JSON.stringify(answer.errors.find((e) => e.position === position))}`,
            ).toBe(!keepable(g, record));
            if (named.has(position)) refused++;
            else {
              accepted++;
              for (const series of expectedSeries(record as Parameters<typeof expectedSeries>[0]))
                expected.set(key(series), series);
            }
          });
          const back = await vm.exportSeries(`{run="r${run}"}`);
          // Exactly the accepted records' finite points, under exactly their labels: nothing of a refused record.
          expect(new Map(back.map((s) => [key(s), s]))).toEqual(expected);
          peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
        },
      ),
      { numRuns: RUNS, ...(process.env.PROPERTY_SEED ? { seed: Number(process.env.PROPERTY_SEED) } : {}) },
    );
    expect(accepted).toBeGreaterThan(0);
    expect(refused).toBeGreaterThan(0);
    expect(peakHeap).toBeLessThan(768 * 1024 * 1024);

    // VictoriaMetrics dropped or cut nothing of what it was sent: once its counters show one line
    // it does drop (its /metrics lags), they show nothing more.
    await vm.importLines(
      `${JSON.stringify({ metric: { __name__: "prop_control" }, values: [1], timestamps: [now - 60 * DAY] })}\n`,
    );
    const deadline = Date.now() + 20_000;
    let after = await dropCounters();
    while ((after.vm_rows_ignored_total ?? 0) <= (countersBefore.vm_rows_ignored_total ?? 0) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
      after = await dropCounters();
    }
    expect(after).toEqual({
      ...countersBefore,
      vm_rows_ignored_total: (countersBefore.vm_rows_ignored_total ?? 0) + 1,
    });
  });
});
