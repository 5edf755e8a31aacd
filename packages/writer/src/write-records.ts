import type { RememberedSet } from "@anomaly-writer/common";
import type { QueuedDelivery } from "@anomaly-writer/delivery";
import type { WriterMetrics } from "@anomaly-writer/healthcheck";
import type {
  PrometheusTextEncoder,
  RecordEncoder,
  RecordGuard,
  RemoteWriteEncoder,
} from "@anomaly-writer/metric-format";
import type { TenancyChecker } from "@anomaly-writer/tenancy";
import type { WriteState } from "./batch.ts";
import { createBatchSender, type WriteProgress } from "./create-batch-sender.ts";
import { createBatcher } from "./create-batcher.ts";
import type { BodyBufferPool } from "./create-body-buffer-pool.ts";
import type { LogLimiter } from "./create-log-limiter.ts";
import { createRecordIntake } from "./create-record-intake.ts";
import { createWriteReport } from "./create-write-report.ts";
import type { Sink } from "./sinks/sink.ts";
import type { WriteResult } from "./write-result.ts";
import type { WriterLogger } from "./writer-logger.ts";

/** Everything a write needs that lives as long as the writer. */
export interface WritePipeline {
  readonly sink: Sink;
  readonly delivery: QueuedDelivery | undefined;
  readonly metrics: WriterMetrics;
  readonly logger: WriterLogger;
  readonly limiter: LogLimiter;
  readonly encoder: RecordEncoder;
  /** Single-point records as Prometheus text, for a sink that takes it. */
  readonly textEncoder: PrometheusTextEncoder | undefined;
  /** Records of many points as remote-write protobuf, for a sink that takes it. */
  readonly remoteWriteEncoder: RemoteWriteEncoder | undefined;
  /** From how many timestamps a record goes as remote write. */
  readonly remoteWriteMinPoints: number;
  readonly metricFormat: Readonly<Record<string, string>>;
  readonly tenancy: TenancyChecker | undefined;
  readonly tenantSensitive: boolean;
  /** `reader.queries` keys, when the config has them. */
  readonly knownQueryKeys: ReadonlySet<string> | undefined;
  readonly warnedQueryKeys: RememberedSet;
  readonly bodies: BodyBufferPool;
  readonly maxRequestBytes: number;
  readonly maxRequestSeries: number | undefined;
  readonly queueFullWaitMs: number;
  readonly queueMaxBytes: number | undefined;
  readonly now: () => number;
  readonly onProgress?: ((progress: WriteProgress) => void) | undefined;
}

/** Options of one `write()` call. */
export interface WriteOptions {
  /**
   * With `writer.queue`: accept all or nothing. The call throws a WriterError with code
   * `WRITER_QUEUE_FULL` (and nothing is queued) when the batch does not fit.
   */
  atomic?: boolean;
  /** How many refused records `recordProblems` lists (all are counted). Default 1000. */
  maxProblems?: number;
}

/** validate → format → batch → sink (or queue), for one input; bad records never stop good ones. */
export async function writeRecords(
  input: Iterable<unknown> | AsyncIterable<unknown>,
  pipeline: WritePipeline,
  guard: RecordGuard,
  options: WriteOptions = {},
): Promise<WriteResult> {
  const startedAt = performance.now();
  const { sink, metrics } = pipeline;
  const report = createWriteReport({
    metrics,
    limiter: pipeline.limiter,
    maxProblems: options.maxProblems ?? 1000,
    knownQueryKeys: [...(pipeline.knownQueryKeys ?? [])],
  });
  const state: WriteState = {
    totals: { records: 0, empty: 0, withData: 0, series: 0, datapoints: 0, requests: 0, bytes: 0 },
    report,
    failures: [],
    failedRecords: new Set(),
  };
  const sender = createBatchSender(
    { ...pipeline, atomic: options.atomic === true && pipeline.delivery !== undefined },
    state,
  );
  const batcher = createBatcher({ ...pipeline, maxBodyBytes: sink.maxBodyBytes, storesBodies: sink.writes, sender });
  const take = createRecordIntake({ ...pipeline, guard }, state);
  const add = (item: unknown) => {
    const record = take(item);
    if (record) batcher.add(record);
  };
  if (Symbol.asyncIterator in input) {
    for await (const item of input) {
      add(item);
      if (batcher.hasPending) await batcher.sendPending();
    }
  } else {
    for (const item of input) {
      add(item);
      if (batcher.hasPending) await batcher.sendPending();
    }
  }
  await batcher.flush();
  await sender.finish();
  report.logSummary(state.totals.records);
  const { totals, failures } = state;
  const failed = state.failedRecords.size;
  return {
    ok: report.invalid === 0 && failures.length === 0,
    noop: sink.kind === "noop",
    queued: pipeline.delivery !== undefined,
    records: {
      total: totals.records,
      written: totals.withData - failed,
      invalid: report.invalid,
      empty: totals.empty,
      failed,
    },
    series: totals.series,
    datapoints: totals.datapoints,
    requests: totals.requests,
    bytes: totals.bytes,
    dropped: report.dropped,
    recordProblems: report.problems,
    failures,
    durationMs: performance.now() - startedAt,
  };
}
