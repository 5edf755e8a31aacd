import type { EncodedRemoteWriteRecord, FormattedSeries } from "@anomaly-writer/metric-format";
import type { WriteReport } from "./create-write-report.ts";
import type { BodyFormat } from "./sinks/sink.ts";
import type { SendFailure } from "./write-result.ts";

/** The records of one (query_key, scheduler_alias, preset) group, on their way into one request. */
export interface Batch {
  readonly groupKey: string;
  readonly queryKey: string;
  readonly context: Readonly<Record<string, string>>;
  /** The wire format of the body: one request is one format. */
  readonly wire: BodyFormat;
  /** `json_lines` sinks: the request body being filled (`bytes` of it used). */
  buffer: Buffer | undefined;
  /** `series` sinks: the formatted series of the batch (encoded when sent). */
  formatted: FormattedSeries[];
  bytes: number;
  series: number;
  datapoints: number;
  serializeSeconds: number;
  /** Input record numbers (1-based) whose data is in the batch. */
  records: number[];
}

/** A record larger than one request, waiting to be sent in parts along its lines. */
export interface SplitRecord {
  readonly kind: "split";
  /** The batch whose group the parts belong to. */
  readonly template: Batch;
  /** A text record: its lines. */
  readonly lines: readonly string[];
  /** A remote-write record: its `timeseries` entries. */
  readonly binary?: EncodedRemoteWriteRecord;
  readonly index: number;
  readonly serializeSeconds: number;
  readonly recordBytes: number;
}

/** An empty batch of the same group and wire format as `template`. */
export function emptyBatch(template: Pick<Batch, "groupKey" | "queryKey" | "context" | "wire">): Batch {
  const { groupKey, queryKey, context, wire } = template;
  return {
    groupKey,
    queryKey,
    context,
    wire,
    buffer: undefined,
    formatted: [],
    bytes: 0,
    series: 0,
    datapoints: 0,
    serializeSeconds: 0,
    records: [],
  };
}

/** Counts of one `write()` call. */
export interface WriteTotals {
  records: number;
  empty: number;
  withData: number;
  series: number;
  datapoints: number;
  requests: number;
  bytes: number;
}

/** What one `write()` call has found so far: counts, refused records and failed requests. */
export interface WriteState {
  readonly totals: WriteTotals;
  readonly report: WriteReport;
  readonly failures: SendFailure[];
  /** Record numbers with data in a request that failed for good. */
  readonly failedRecords: Set<number>;
}
