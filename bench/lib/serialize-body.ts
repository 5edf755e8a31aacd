import { writeFile } from "node:fs/promises";
import {
  createPrometheusTextEncoder,
  createRecordEncoder,
  createRemoteWriteEncoder,
  frameSnappyLiteral,
  parseRecord,
} from "@anomaly-writer/metric-format";
import { type BenchRecord, writeStreamed } from "./shapes.ts";

/** The metric_format of every benchmark (vmanomaly's default). */
export const METRIC_FORMAT = { __name__: "$VAR", for: "$QUERY_KEY" } as const;

/** The writer's defaults (packages/writer createVmWriter): request and line limits. */
export const DEFAULT_MAX_REQUEST_BYTES = 4 * 1024 * 1024;

/** The wire formats a curl baseline can post: vmanomaly's JSON lines, or Prometheus text. */
export type BodyFormat = "json" | "prometheus" | "remote_write";

/**
 * The exact JSON lines vmanomaly's wire (and our writer with `wire_format: json`) sends for these
 * records, encoded by our own encoder with the writer's settings (same metric_format, same
 * maxLineBytes); in the writer's order.
 */
export function* encodeBodyLines(
  records: Iterable<BenchRecord>,
  maxRequestBytes = DEFAULT_MAX_REQUEST_BYTES,
): Generator<string> {
  const encoder = createRecordEncoder({
    metricFormat: METRIC_FORMAT,
    maxLineBytes: Math.min(1024 * 1024, maxRequestBytes),
    labelCacheSize: 0,
  });
  for (const record of records) {
    for (const line of encoder.encode(parseRecord(record)).lines) yield line;
  }
}

/**
 * The same points as Prometheus text (`name{labels} value timestamp_ms` lines, what our writer
 * sends single-point series as), encoded by our text encoder. Prometheus text carries one point
 * per line: a multi-point record is encoded point by point.
 */
export function* encodeTextBodyLines(records: Iterable<BenchRecord>): Generator<string> {
  const encoder = createPrometheusTextEncoder({ metricFormat: METRIC_FORMAT });
  for (const record of records) {
    for (let i = 0; i < record.timestamps.length; i++) {
      const point =
        record.timestamps.length === 1
          ? record
          : {
              ...record,
              timestamps: [record.timestamps[i] as number],
              outputs: Object.fromEntries(
                Object.entries(record.outputs).map(([name, values]) => [name, [values[i] as number]]),
              ),
            };
      const encoded = encoder.encode(parseRecord(point));
      if (encoded === undefined) throw new Error("a bench record cannot be written as Prometheus text");
      yield encoded.text;
    }
  }
}

/** Pre-serialize records into one body file (a curl baseline's input). Returns its size. */
export function writeBodyFile(
  path: string,
  records: Iterable<BenchRecord>,
  format: BodyFormat = "json",
): Promise<number> {
  return writeStreamed(path, format === "json" ? encodeBodyLines(records) : encodeTextBodyLines(records));
}

/**
 * The same points as remote-write request bodies (what our writer sends series of many points
 * as), encoded by our remote-write encoder into bodies of at most `maxRequestBytes`
 * (VictoriaMetrics refuses requests over 32 MB and decodes each whole), each framed for snappy.
 */
export function* remoteWriteBodies(
  records: Iterable<BenchRecord>,
  maxRequestBytes = DEFAULT_MAX_REQUEST_BYTES,
): Generator<Buffer> {
  const encoder = createRemoteWriteEncoder({ metricFormat: METRIC_FORMAT, maxLineBytes: 1024 * 1024 });
  let parts: Uint8Array[] = [];
  let size = 0;
  for (const record of records) {
    const encoded = encoder.encode(parseRecord(record));
    if (encoded === undefined) throw new Error("a bench record cannot be written as remote write");
    for (const part of encoded.parts) {
      if (size > 0 && size + part.end - part.start > maxRequestBytes) {
        yield frameSnappyLiteral(Buffer.concat(parts, size));
        parts = [];
        size = 0;
      }
      parts.push(encoded.body.subarray(part.start, part.end));
      size += part.end - part.start;
    }
  }
  if (size > 0) yield frameSnappyLiteral(Buffer.concat(parts, size));
}

/** remoteWriteBodies into one file each; returns the files and their total size. */
export async function writeRemoteWriteFiles(
  pathOf: (index: number) => string,
  records: Iterable<BenchRecord>,
): Promise<{ files: string[]; bytes: number }> {
  const files: string[] = [];
  let bytes = 0;
  for (const body of remoteWriteBodies(records)) {
    const file = pathOf(files.length);
    await writeFile(file, body);
    files.push(file);
    bytes += body.length;
  }
  return { files, bytes };
}
