import { hashLabelSet, type RememberedSet } from "@anomaly-writer/common";
import type { WriterMetrics } from "@anomaly-writer/healthcheck";
import {
  type EncodedRecord,
  type EncodedRemoteWriteRecord,
  type FormattedSeries,
  formatRecord,
  type ModelOutputRecord,
  type PrometheusTextEncoder,
  type RecordEncoder,
  RecordError,
  type RecordGuard,
  type RecordIssue,
  type RemoteWriteEncoder,
  safeParseRecord,
} from "@anomaly-writer/metric-format";
import type { TenancyChecker } from "@anomaly-writer/tenancy";
import type { WriteState } from "./batch.ts";
import { countRawPoints } from "./count-points.ts";
import { isPositionedRecord, type PositionedRecord } from "./positioned-record.ts";
import type { BodyFormat, Sink } from "./sinks/sink.ts";

/** One valid record with data, formatted and encoded for its sink. */
export interface TakenRecord {
  readonly index: number;
  readonly queryKey: string;
  readonly groupKey: string;
  readonly context: Readonly<Record<string, string>>;
  /** `json_lines` sinks. */
  readonly encoded?: EncodedRecord;
  /** `json_lines` sinks, a record sent as remote-write protobuf (`wire` is then `remote_write`). */
  readonly binary?: EncodedRemoteWriteRecord;
  /** The wire format of `encoded` or `binary`: JSON lines, or Prometheus text or remote write when the sink takes them. */
  readonly wire: BodyFormat;
  /** `series` sinks. */
  readonly formatted?: readonly FormattedSeries[];
  readonly bytes: number;
  readonly series: number;
  readonly datapoints: number;
  readonly serializeSeconds: number;
}

/** What taking records needs: the sink's format, the encoder, the guard and the checks. */
export interface RecordIntakeOptions {
  readonly sink: Sink;
  readonly encoder: RecordEncoder;
  /** Single-point records as Prometheus text, for a sink that takes it (else undefined). */
  readonly textEncoder: PrometheusTextEncoder | undefined;
  /** Records of at least `remoteWriteMinPoints` timestamps as remote-write protobuf, for a sink that takes it (else undefined). */
  readonly remoteWriteEncoder: RemoteWriteEncoder | undefined;
  readonly remoteWriteMinPoints: number;
  readonly metricFormat: Readonly<Record<string, string>>;
  readonly guard: RecordGuard;
  readonly now: () => number;
  readonly metrics: WriterMetrics;
  /** Checks tenant labels; only asked when tenant labels are in play. */
  readonly tenancy: TenancyChecker | undefined;
  readonly tenantSensitive: boolean;
  readonly knownQueryKeys: ReadonlySet<string> | undefined;
  /** Unknown query keys already named (per process, bounded). */
  readonly warnedQueryKeys: RememberedSet;
}

/** A record formatted for its sink; label sets are built only when asked (the tenancy check). */
interface Formatted {
  readonly encoded?: EncodedRecord;
  readonly binary?: EncodedRemoteWriteRecord;
  readonly wire: BodyFormat;
  readonly formatted?: readonly FormattedSeries[];
  readonly bytes: number;
  readonly series: number;
  readonly datapoints: number;
  readonly dropped: { readonly nan: number; readonly inf: number };
  labelSets(): readonly Readonly<Record<string, string>>[];
}

/** A `series` sink's record: its formatted series and their estimated encoded size. */
function formatSeries(record: ModelOutputRecord, metricFormat: Readonly<Record<string, string>>): Formatted {
  const { series, dropped } = formatRecord(record, { metricFormat });
  let bytes = 0;
  let datapoints = 0;
  for (const s of series) {
    bytes += 18 * s.values.length;
    for (const [name, value] of Object.entries(s.labels)) bytes += name.length + value.length + 4;
    datapoints += s.values.length;
  }
  return {
    formatted: series,
    wire: "json",
    bytes,
    series: series.length,
    datapoints,
    dropped,
    labelSets: () => series.map((s) => s.labels),
  };
}

/** Whether an unchecked input has at least `min` timestamps. */
function hasManyPoints(value: unknown, min: number): boolean {
  if (typeof value !== "object" || value === null) return false;
  const timestamps = (value as { timestamps?: unknown }).timestamps;
  return Array.isArray(timestamps) && timestamps.length >= min;
}

/** A record as remote-write protobuf. */
function ofBinary(binary: EncodedRemoteWriteRecord): Formatted {
  return {
    binary,
    wire: "remote_write",
    bytes: binary.bytes,
    series: binary.series,
    datapoints: binary.datapoints,
    dropped: binary.dropped,
    labelSets: () => binary.labelSets,
  };
}

/** Where an input record came from: its own position, or "record N". */
function positionOf(positioned: PositionedRecord | undefined, index: number): string {
  return positioned?.position ?? `record ${index}`;
}

/**
 * Take one input record, synchronously (a promise per record costs more than encoding it): refuse
 * it (with its position and reasons, into the write's report) or answer it formatted and encoded.
 * Records with only NaN/Inf values are counted as empty and answered undefined.
 */
export function createRecordIntake(
  options: RecordIntakeOptions,
  state: WriteState,
): (item: unknown) => TakenRecord | undefined {
  const { sink, metrics } = options;
  const { report } = state;
  // The group of the previous record: records of one inference mostly share it.
  let last = { queryKey: "", scheduler: "", preset: "", groupKey: "", context: {} as Readonly<Record<string, string>> };
  const refuse = (position: string, issues: readonly RecordIssue[], value: unknown, points: number) => {
    const record = (typeof value === "object" && value !== null ? value : {}) as Record<string, unknown>;
    const text = (key: string) => (typeof record[key] === "string" ? (record[key] as string) : "");
    report.refuse(position, issues, points, {
      url: sink.target,
      query_key: text("query_key"),
      scheduler_alias: text("scheduler_alias"),
      preset: text("preset"),
    });
  };
  const text = sink.takesPrometheusText ? options.textEncoder : undefined;
  const remote = sink.takesRemoteWrite ? options.remoteWriteEncoder : undefined;
  /** Validate and encode; undefined when refused. */
  const encode = (
    value: unknown,
    where: () => string,
  ): { record: ModelOutputRecord; out: Formatted; t0: number } | undefined => {
    let t0 = performance.now();
    // The common valid record is validated and encoded in one pass (as Prometheus text when it is
    // a single-point record the sink takes so); anything else is validated first (with its
    // errors) and then encoded.
    let wire: BodyFormat = "json";
    let encoded: EncodedRecord | undefined;
    let record = value as ModelOutputRecord;
    // A record of many points goes as remote write, whose encoder takes validated records.
    const many = remote !== undefined && hasManyPoints(value, options.remoteWriteMinPoints);
    if (!many && sink.format === "json_lines") {
      encoded = text?.encodeIfValid(value);
      if (encoded !== undefined) wire = "prometheus";
      else encoded = options.encoder.encodeIfValid(value);
    }
    if (!encoded) {
      const parsed = safeParseRecord(value);
      if (!parsed.success) return void refuse(where(), parsed.issues, value, countRawPoints(value));
      record = parsed.output;
      t0 = performance.now();
    }
    try {
      if (sink.format === "series") return { record, out: formatSeries(record, options.metricFormat), t0 };
      // Left to the JSON encoder when remote write cannot carry it (which refuses what it must, naming it).
      const binary = many ? remote?.encode(record) : undefined;
      if (binary !== undefined) return { record, out: ofBinary(binary), t0 };
      if (encoded === undefined && text !== undefined) {
        encoded = text.encode(record);
        if (encoded !== undefined) wire = "prometheus";
      }
      encoded ??= options.encoder.encode(record);
      return { record, out: ofEncoded(encoded, wire), t0 };
    } catch (error) {
      // A record valid in itself that cannot be written (a label set too large for one line).
      if (!(error instanceof RecordError)) throw error;
      return void refuse(where(), error.issues, record, countRawPoints(record));
    }
  };
  /** The (query_key, scheduler_alias, preset) group of a record; built once for a run of records that share it. */
  const groupOf = (record: ModelOutputRecord) => {
    const scheduler = record.scheduler_alias ?? "";
    const preset = record.preset ?? "";
    if (
      record.query_key !== last.queryKey ||
      scheduler !== last.scheduler ||
      preset !== last.preset ||
      last.groupKey === ""
    ) {
      const context = { query_key: record.query_key, scheduler_alias: scheduler, preset };
      last = {
        queryKey: record.query_key,
        scheduler,
        preset,
        groupKey: `${record.query_key}\u0000${scheduler}\u0000${preset}`,
        context,
      };
    }
    return last;
  };
  return (item) => {
    const index = ++state.totals.records;
    const positioned = isPositionedRecord(item) ? item : undefined;
    const value = positioned ? positioned.value : item;
    const where = () => positionOf(positioned, index);
    if (positioned?.parseError !== undefined) {
      refuse(
        positioned.position,
        [{ path: "", message: positioned.parseError, reason: "invalid_record" }],
        undefined,
        0,
      );
      return undefined;
    }
    // Before anything is expanded: what VictoriaMetrics would not keep as sent, and records beyond
    // the expansion bounds (work linear in the input).
    const refused = options.guard.check(value, options.now());
    if (refused !== undefined) return void refuse(where(), refused, value, countRawPoints(value));
    const done = encode(value, where);
    if (done === undefined) return undefined;
    const { record, out, t0 } = done;
    const serializeSeconds = (performance.now() - t0) / 1000;
    if (
      options.knownQueryKeys &&
      !options.knownQueryKeys.has(record.query_key) &&
      options.warnedQueryKeys.add(hashLabelSet({ query_key: record.query_key }))
    ) {
      report.unknownQueryKey(record.query_key);
    }
    const group = groupOf(record);
    for (const reason of ["nan", "inf"] as const) {
      if (out.dropped[reason] === 0) continue;
      report.dropped[reason] += out.dropped[reason];
      metrics.recordDropped(reason, out.dropped[reason], { url: sink.target, ...group.context });
    }
    if (out.series === 0) {
      state.totals.empty++;
      report.empty(record.query_key);
      return undefined;
    }
    state.totals.withData++;
    // The tenancy check can only speak when tenant labels are in play (multitenant, or a
    // vm_account_id / vm_project_id label): only then are the label sets needed.
    if (
      options.tenancy &&
      (options.tenantSensitive ||
        Object.hasOwn(record.labels, "vm_account_id") ||
        Object.hasOwn(record.labels, "vm_project_id"))
    ) {
      for (const labels of out.labelSets()) options.tenancy.check(labels, record.query_key);
    }
    return takenRecord(index, record.query_key, group, out, serializeSeconds);
  };
}

/** The answer for a record taken (without spreading `out`: its label sets stay unread). */
function takenRecord(
  index: number,
  queryKey: string,
  group: { readonly groupKey: string; readonly context: Readonly<Record<string, string>> },
  out: Formatted,
  serializeSeconds: number,
): TakenRecord {
  const { groupKey, context } = group;
  const { bytes, series, datapoints, wire } = out;
  // One body: remote-write bytes, JSON-lines or text, or (series sinks) formatted series.
  const body = out.binary
    ? { binary: out.binary }
    : out.encoded
      ? { encoded: out.encoded }
      : { formatted: out.formatted ?? [] };
  return { index, queryKey, groupKey, context, ...body, wire, bytes, series, datapoints, serializeSeconds };
}

/** A `json_lines` sink's record: the encoder's answer (its lazy label sets stay unread unless asked). */
function ofEncoded(encoded: EncodedRecord, wire: BodyFormat): Formatted {
  return {
    encoded,
    wire,
    bytes: encoded.bytes,
    series: encoded.series,
    datapoints: encoded.datapoints,
    dropped: encoded.dropped,
    labelSets: () => encoded.labelSets,
  };
}
