import { pushTimeseries } from "prometheus-remote-write";
import { ownCpuSeconds } from "./lib/cpu.ts";
import type { EndToEndContext, Participant } from "./lib/end-to-end.ts";
import { DEFAULT_MAX_REQUEST_BYTES, encodeBodyLines } from "./lib/serialize-body.ts";
import { type BenchRecord, VARIABLES } from "./lib/shapes.ts";

type Timeseries = Parameters<typeof pushTimeseries>[0] extends infer T
  ? T extends readonly (infer U)[]
    ? U
    : T
  : never;
type PeerFetch = NonNullable<NonNullable<Parameters<typeof pushTimeseries>[1]>["fetch"]>;

/** The same output series our writer makes of a record (metric_format `{__name__: $VAR, for: $QUERY_KEY}`). */
function toTimeseries(record: BenchRecord): Timeseries[] {
  return VARIABLES.map((variable) => {
    const values = record.outputs[variable] ?? [];
    return {
      labels: {
        ...record.labels,
        model_alias: record.model_alias,
        scheduler_alias: record.scheduler_alias,
        preset: record.preset,
        __name__: variable,
        for: record.query_key,
      },
      samples: values.map((value, i) => ({ value, timestamp: record.timestamps[i] as number })),
    };
  });
}

/**
 * Split the series into the requests our writer makes (its 4 MiB request limit over our JSON
 * lines), so that the peer sends the same samples in the same number of requests.
 */
function batchLikeOurWriter(records: readonly BenchRecord[], series: readonly Timeseries[]): Timeseries[][] {
  const batches: Timeseries[][] = [];
  let current: Timeseries[] = [];
  let bytes = 0;
  let i = 0;
  for (const line of encodeBodyLines(records)) {
    const n = Buffer.byteLength(line);
    if (bytes > 0 && bytes + n > DEFAULT_MAX_REQUEST_BYTES) {
      batches.push(current);
      current = [];
      bytes = 0;
    }
    current.push(series[i++] as Timeseries);
    bytes += n;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

/**
 * Benchmark 3, the peer: the npm package `prometheus-remote-write` (protobuf + snappy to
 * `/api/v1/write`) sending the same samples to the same VictoriaMetrics, with Node's fetch, in the
 * same number of requests as our writer and with as many in flight (4). Its input, the
 * `{labels, samples}` objects, is built before the clock starts: the peer's best case.
 */
export function createPeerParticipant(ctx: EndToEndContext, maxInFlight = 4): Participant {
  return {
    name: "peer",
    async measure(_shape, _slot, records) {
      const series = records.flatMap(toTimeseries);
      const batches = batchLikeOurWriter(records, series);
      const options = { url: ctx.vm.remoteWriteUrl, fetch: globalThis.fetch as unknown as PeerFetch, timeout: 120_000 };
      const cpu0 = ownCpuSeconds();
      const t0 = performance.now();
      let next = 0;
      const failures: string[] = [];
      const worker = async () => {
        while (next < batches.length) {
          const batch = batches[next++] as Timeseries[];
          const result = await pushTimeseries(batch, options);
          if (result.status >= 300) failures.push(`${result.status} ${result.errorMessage ?? result.statusText}`);
        }
      };
      await Promise.all(Array.from({ length: Math.min(maxInFlight, batches.length) }, worker));
      const ms = performance.now() - t0;
      const clientCpuS = ownCpuSeconds() - cpu0;
      if (failures.length > 0) throw new Error(`remote write failed: ${failures[0]}`);
      return { ms, clientCpuS, note: `${batches.length} requests` };
    },
  };
}
