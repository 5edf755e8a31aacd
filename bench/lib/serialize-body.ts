import { createRecordEncoder, parseRecord } from "@anomaly-writer/metric-format";
import { writeStreamed, type BenchRecord } from "./shapes.ts";

/** The metric_format of every benchmark (vmanomaly's default). */
export const METRIC_FORMAT = { __name__: "$VAR", for: "$QUERY_KEY" } as const;

/** The writer's defaults (packages/writer createVmWriter): request and line limits. */
export const DEFAULT_MAX_REQUEST_BYTES = 4 * 1024 * 1024;

/**
 * The exact JSON lines our writer would send for these records, encoded by our own encoder
 * with the writer's settings (same metric_format, same maxLineBytes); in the writer's order.
 */
export function* encodeBodyLines(records: Iterable<BenchRecord>, maxRequestBytes = DEFAULT_MAX_REQUEST_BYTES): Generator<string> {
  const encoder = createRecordEncoder({ metricFormat: METRIC_FORMAT, maxLineBytes: Math.min(1024 * 1024, maxRequestBytes), labelCacheSize: 0 });
  for (const record of records) {
    for (const line of encoder.encode(parseRecord(record)).lines) yield line;
  }
}

/** Pre-serialize records into one body file (the curl baseline's input). Returns its size. */
export function writeBodyFile(path: string, records: Iterable<BenchRecord>): Promise<number> {
  return writeStreamed(path, encodeBodyLines(records));
}
