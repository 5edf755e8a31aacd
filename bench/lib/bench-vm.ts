import { startVictoriaMetrics, type VictoriaMetricsServer } from "@anomaly-writer/local-vm";
import type { Shape, Slot } from "./shapes.ts";
import { VARIABLES } from "./shapes.ts";

/** The VictoriaMetrics of one benchmark run, with the read-back checks the measurements need. */
export interface BenchVm {
  readonly server: VictoriaMetricsServer;
  readonly url: string;
  readonly importUrl: string;
  readonly remoteWriteUrl: string;
  /** Datapoints of a shape stored in a slot's time range (after a flush). */
  countDatapoints(shape: Shape, slot: Slot): Promise<number>;
  /** Distinct series of a shape that have a point in a slot's time range. */
  countSeries(shape: Shape, slot: Slot): Promise<number>;
  /** One exported series of a shape in a slot: labels, values, timestamps. */
  exportOne(
    shape: Shape,
    slot: Slot,
    labels: Readonly<Record<string, string>>,
  ): Promise<{ values: number[]; timestamps: number[] } | undefined>;
  stop(): Promise<void>;
}

/** Start the VictoriaMetrics of a run: limits raised so that the read-back queries see every series. */
export async function startBenchVm(): Promise<BenchVm> {
  const server = await startVictoriaMetrics({
    // Long-shape slots span 1.7 days each and go back in time: the default retention (1 month)
    // would silently drop the oldest slots of a run with more attempts.
    flags: [
      "-search.maxUniqueTimeseries=5000000",
      "-search.maxQueryDuration=120s",
      "-retentionPeriod=10y",
      "-loggerLevel=WARN",
    ],
    startTimeoutMs: 30_000,
  });
  const url = server.url;

  const query = async (promql: string, time: number): Promise<number> => {
    // nocache: an answer computed before the rows were searchable must not be served again from
    // the rollup result cache (times older than 5 minutes are cached): the retries would see it.
    const body = `query=${encodeURIComponent(promql)}&time=${(time / 1000).toFixed(3)}&nocache=1`;
    const res = await server.request("/api/v1/query", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body,
      timeoutMs: 120_000,
    });
    if (res.status !== 200) throw new Error(`query ${promql} answered ${res.status}: ${res.body.slice(0, 300)}`);
    const parsed = JSON.parse(res.body) as { data: { result: { value: [number, string] }[] } };
    const first = parsed.data.result[0];
    return first ? Number(first.value[1]) : 0;
  };

  const selector = (shape: Shape) => `{__name__=~"${VARIABLES.join("|")}",for="${shape.queryKey}"}`;
  // count_over_time(m[d]) at time t counts the samples in (t-d, t]: exactly the slot.
  const windowOf = (shape: Shape, slot: Slot) => `${Math.round((slot.end - slot.start + shape.stepMs) / 1000)}s`;

  return {
    server,
    url,
    importUrl: `${url}/api/v1/import`,
    remoteWriteUrl: `${url}/api/v1/write`,
    async countDatapoints(shape, slot) {
      await server.flush();
      return query(`sum(count_over_time(${selector(shape)}[${windowOf(shape, slot)}]))`, slot.end);
    },
    async countSeries(shape, slot) {
      await server.flush();
      return query(`count(count_over_time(${selector(shape)}[${windowOf(shape, slot)}]))`, slot.end);
    },
    async exportOne(shape, slot, labels) {
      await server.flush();
      const matcher = `{${Object.entries(labels)
        .map(([name, value]) => `${name}=${JSON.stringify(value)}`)
        .join(",")}}`;
      const body = `match[]=${encodeURIComponent(matcher)}&start=${(slot.start / 1000).toFixed(3)}&end=${(slot.end / 1000).toFixed(3)}`;
      const res = await server.request("/api/v1/export", {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body,
        timeoutMs: 60_000,
      });
      if (res.status !== 200) throw new Error(`export answered ${res.status}: ${res.body.slice(0, 300)}`);
      const line = res.body.split("\n").find((l) => l.trim() !== "");
      if (!line) return undefined;
      const parsed = JSON.parse(line) as { values: number[]; timestamps: number[] };
      return { values: parsed.values, timestamps: parsed.timestamps };
    },
    stop: () => server.stop(),
  };
}
