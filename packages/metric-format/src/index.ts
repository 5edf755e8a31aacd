export type { LabelLimitChecker, LabelLimitCheckerOptions } from "./create-label-limit-checker.ts";
export { createLabelLimitChecker } from "./create-label-limit-checker.ts";
export type { PrometheusTextEncoder, PrometheusTextEncoderOptions } from "./create-prometheus-text-encoder.ts";
export { createPrometheusTextEncoder } from "./create-prometheus-text-encoder.ts";
export type { EncodedRecord, RecordEncoder, RecordEncoderOptions } from "./create-record-encoder.ts";
export { createRecordEncoder } from "./create-record-encoder.ts";
export type { RecordGuard, RecordLimits, ResolvedRecordLimits } from "./create-record-guard.ts";
export {
  createRecordGuard,
  DEFAULT_RECORD_LIMITS,
  resolveRecordLimits,
  TIMESTAMP_EDGE_MARGIN_MS,
} from "./create-record-guard.ts";
export type {
  EncodedRemoteWriteRecord,
  RemoteWriteEncoder,
  RemoteWriteEncoderOptions,
  RemoteWritePart,
} from "./create-remote-write-encoder.ts";
export { createRemoteWriteEncoder, frameSnappyLiteral } from "./create-remote-write-encoder.ts";
export type { TimestampWindow } from "./describe-timestamp.ts";
export { describeTimestamp, formatDuration, MIN_PLAUSIBLE_TIMESTAMP } from "./describe-timestamp.ts";
export type { EncodeSeriesLinesOptions } from "./encode-series-lines.ts";
export { encodeSeriesLines } from "./encode-series-lines.ts";
export { MetricFormatError, RecordError } from "./errors.ts";
export { escapeLabelValue } from "./escape-label-value.ts";
export type { FormatRecordOptions, FormattedRecord } from "./format-record.ts";
export { formatRecord } from "./format-record.ts";
export { isPrometheusName } from "./is-prometheus-name.ts";
export { parseRecord } from "./parse-record.ts";
export type { SafeParseRecordResult } from "./safe-parse-record.ts";
export { safeParseRecord } from "./safe-parse-record.ts";
export type {
  DroppedPoints,
  EncodedCounts,
  FormattedSeries,
  LabelLimitWarning,
  ModelOutputRecord,
  RawValue,
  RecordIssue,
  RefusalReason,
} from "./types.ts";
