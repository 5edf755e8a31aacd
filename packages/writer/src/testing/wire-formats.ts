/**
 * Test helpers of the wire-format tests (Prometheus text, remote write): reading a real
 * VictoriaMetrics back and fast-check arbitraries of hostile records.
 */
import { parseConfig } from "@anomaly-writer/config";
import {
  type FormattedSeries,
  formatRecord,
  type ModelOutputRecord,
  type RawValue,
} from "@anomaly-writer/metric-format";
import {
  BACKFILL_LIMITS,
  type ExportedSeries,
  type NginxServer,
  startNginx,
  startVictoriaMetrics,
  type VictoriaMetricsServer,
  writerYaml,
} from "@anomaly-writer/test-stack";
import fc from "fast-check";
import { afterAll, beforeAll, expect } from "vitest";
import { createVmWriter, type VmWriter } from "../create-vm-writer.ts";

/** Samples VictoriaMetrics took through one of its ingestion paths, by its own counter (`prometheus`, `promremotewrite`). */
export async function rowsInserted(vm: VictoriaMetricsServer, type: string): Promise<number> {
  const body = (await vm.request("/metrics")).body;
  return Number(new RegExp(`^vm_rows_inserted_total\\{type="${type}"\\} (\\d+)$`, "m").exec(body)?.[1] ?? 0);
}

/** Export until `match` has `points` datapoints (a new day's first rows become searchable a moment later). */
export async function exportPoints(
  vm: VictoriaMetricsServer,
  match: string,
  points: number,
): Promise<ExportedSeries[]> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const series = await vm.exportSeries(match);
    if (series.reduce((n, s) => n + s.values.length, 0) >= points || Date.now() > deadline) return series;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Series without one label, sorted, for comparing two read-backs. */
export function without(label: string, series: readonly ExportedSeries[]) {
  return series
    .map((s) => ({
      metric: Object.fromEntries(Object.entries(s.metric).filter(([name]) => name !== label)),
      values: s.values,
      timestamps: s.timestamps,
    }))
    .sort((a, b) => (JSON.stringify(a.metric) < JSON.stringify(b.metric) ? -1 : 1));
}

/** Label text with everything an encoder must escape or replace. */
export const hostile = fc.string({
  unit: fc.constantFrom(...'abcxyzAB019 _-.:/"\\\n\r\t\u0000{}=,#é日😀\ud800'.split(/(?:)/u)),
  maxLength: 10,
});

/** Label names, mostly Prometheus ones, some not; never the names the tests use themselves. */
export const labelName = fc.oneof(
  {
    weight: 10,
    arbitrary: fc
      .stringMatching(/^[a-zA-Z_][a-zA-Z0-9_]{0,7}$/)
      .filter((n) => !["prop_run", "wire", "for"].includes(n) && !n.startsWith("__")),
  },
  { weight: 1, arbitrary: fc.constantFrom("a-b", "ünï", "a:b", "x.y") },
);

/** Any double, and the ones number text gets wrong most easily. */
export const extremeDouble = fc.oneof(
  fc.double(),
  fc.constantFrom(
    5e-324,
    -5e-324,
    1.7976931348623157e308,
    -1.7976931348623157e308,
    2.2250738585072014e-308,
    1e21,
    1e-7,
    -0,
    0.1 + 0.2,
    123456789012345680000,
    // biome-ignore lint/correctness/noPrecisionLoss: on purpose, a literal that does not round-trip
    9007199254740993,
  ),
);

/** What the writer drops and counts instead of writing. */
export const nonFinite = fc.constantFrom<RawValue>(null, "NaN", "Inf", "-Inf", Number.NaN, Number.POSITIVE_INFINITY);

/**
 * The paths POSTed to through nginx since access-log line `from`, once there are `count` of them:
 * nginx writes a request's log line after its answer, so a client can be done a moment before it.
 */
export async function postedPaths(proxy: NginxServer, from: number, count: number): Promise<(string | undefined)[]> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const posts = proxy
      .accessLog()
      .slice(from)
      .filter((line) => line.startsWith("POST "))
      .map((line) => line.split(" ")[1]?.split("?")[0]);
    if (posts.length >= count || Date.now() > deadline) return posts;
    await new Promise((r) => setTimeout(r, 50));
  }
}

const DAY = 86_400_000;

/** Records of `count` timestamps (within the last 3 days) whose values come from `value`, hostile everywhere else. */
export function hostileRecord(
  count: fc.Arbitrary<number>,
  value: (count: number) => fc.Arbitrary<RawValue>,
  variables: readonly string[],
) {
  const now = Date.now();
  return count.chain((n) =>
    fc.record(
      {
        query_key: hostile.filter((s) => s !== ""),
        labels: fc.dictionary(labelName, hostile, { maxKeys: 5 }),
        timestamps: fc.uniqueArray(fc.integer({ min: now - 3 * DAY, max: now }), { minLength: n, maxLength: n }),
        outputs: fc.dictionary(fc.constantFrom(...variables), fc.array(value(n), { minLength: n, maxLength: n }), {
          minKeys: 1,
          maxKeys: 3,
        }),
        model_alias: hostile,
      },
      { requiredKeys: ["query_key", "labels", "timestamps", "outputs"] },
    ),
  );
}

/** A writer with `wire_format: auto` and one with `json`, told apart by a `wire` label (`auto`'s is `name`). */
export function createWriterPair(vm: VictoriaMetricsServer, name: string): { auto: VmWriter; json: VmWriter } {
  const format = (wire: string) => `  metric_format: {__name__: "$VAR", for: "$QUERY_KEY", wire: "${wire}"}\n`;
  return {
    auto: createVmWriter(parseConfig(writerYaml(vm.url, BACKFILL_LIMITS + format(name)))),
    json: createVmWriter(parseConfig(writerYaml(vm.url, `${BACKFILL_LIMITS}${format("json")}  wire_format: json\n`))),
  };
}

/**
 * Write generated records with both writers (each record's query key made unique, so that its
 * series are in it only: one block each) and read both back, without the `wire` label, sorted.
 */
export async function writeBothWays(
  vm: VictoriaMetricsServer,
  pair: { auto: VmWriter; json: VmWriter },
  name: string,
  generated: readonly ModelOutputRecord[],
  run: number,
) {
  const records = generated.map(
    (r, i): ModelOutputRecord => ({
      ...r,
      query_key: `${r.query_key}#${i}`,
      labels: { ...r.labels, prop_run: String(run) },
    }),
  );
  const sent: FormattedSeries[] = records.flatMap(
    (r) => formatRecord(r, { metricFormat: { __name__: "$VAR", for: "$QUERY_KEY" } }).series,
  );
  const points = sent.reduce((n, s) => n + s.values.length, 0);
  const [a, b] = await Promise.all([pair.auto.write(records), pair.json.write(records)]);
  expect(a).toMatchObject({ ok: true, datapoints: points });
  expect(b).toMatchObject({ ok: true, datapoints: points });
  const viaAuto = without("wire", await exportPoints(vm, `{prop_run="${run}",wire="${name}"}`, points));
  const viaJson = without("wire", await exportPoints(vm, `{prop_run="${run}",wire="json"}`, points));
  expect(viaAuto.reduce((n, s) => n + s.values.length, 0)).toBe(points);
  return { sent, viaAuto, viaJson };
}

/** fast-check settings of the read-back properties (PROPERTY_SEED replays a failure). */
export function propertyRuns(numRuns: number) {
  return {
    numRuns,
    endOnFailure: true,
    ...(process.env.PROPERTY_SEED ? { seed: Number(process.env.PROPERTY_SEED) } : {}),
  };
}

/** The peers of a wire-format test file: a VictoriaMetrics, nginx in front of it, and nginx as a cluster vminsert. */
export interface WireStack {
  readonly vm: VictoriaMetricsServer;
  readonly proxy: NginxServer;
  readonly cluster: NginxServer;
}

/** Start the peers before the file's tests and stop them after; read them from the answer inside tests. */
export function useWireStack(): WireStack {
  const stack: { vm?: VictoriaMetricsServer; proxy?: NginxServer; cluster?: NginxServer } = {};
  beforeAll(async () => {
    stack.vm = await startVictoriaMetrics();
    stack.proxy = await startNginx({ upstream: stack.vm.url });
    stack.cluster = await startNginx({ upstream: stack.vm.url, cluster: true });
  });
  afterAll(async () => {
    await stack.cluster?.stop();
    await stack.proxy?.stop();
    await stack.vm?.stop();
  });
  const started = <T>(peer: T | undefined): T => {
    if (peer === undefined) throw new Error("the wire-format peers are not started yet");
    return peer;
  };
  return {
    get vm() {
      return started(stack.vm);
    },
    get proxy() {
      return started(stack.proxy);
    },
    get cluster() {
      return started(stack.cluster);
    },
  };
}

/** A writer pair (createWriterPair) made before the describe's tests and closed after them. */
export function useWriterPair(stack: WireStack, name: string): { readonly auto: VmWriter; readonly json: VmWriter } {
  let pair: { auto: VmWriter; json: VmWriter } | undefined;
  beforeAll(() => {
    pair = createWriterPair(stack.vm, name);
  });
  afterAll(async () => {
    await pair?.auto.close();
    await pair?.json.close();
  });
  return {
    get auto() {
      if (!pair) throw new Error("the writer pair is not made yet");
      return pair.auto;
    },
    get json() {
      if (!pair) throw new Error("the writer pair is not made yet");
      return pair.json;
    },
  };
}
