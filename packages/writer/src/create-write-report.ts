import type { WriterMetricLabels, WriterMetrics } from "@anomaly-writer/healthcheck";
import type { RecordIssue } from "@anomaly-writer/metric-format";
import type { LogLimiter } from "./create-log-limiter.ts";
import type { DroppedDatapoints, RecordProblem } from "./write-result.ts";

/** Issues spelled out per record, and records per log summary. */
const SHOWN = 5;
/** Query keys remembered per write for the summaries (the rest are counted). */
const KEYS_KEPT = 1000;

/** The refused records, records without data and unknown query keys of one `write()` call. */
export interface WriteReport {
  readonly dropped: DroppedDatapoints;
  readonly problems: RecordProblem[];
  /** Refused records, all counted. */
  readonly invalid: number;
  /** Refuse one record: counted by reason (its first issue's), kept for the result, logged only in the summary. */
  refuse(position: string, issues: readonly RecordIssue[], points: number, labels: Partial<WriterMetricLabels>): void;
  /** A record with only NaN/Inf values. */
  empty(queryKey: string): void;
  /** A query key that is not one of `reader.queries` (the caller warns once per key). */
  unknownQueryKey(queryKey: string): void;
  /** One log line per kind for this write: refused records (first five), empty records, unknown query keys. */
  logSummary(records: number): void;
}

/** `"abc"`, shortened: client text in a log line stays short. */
function quote(text: string): string {
  return JSON.stringify(text.length > 64 ? `${text.slice(0, 64)}…` : text);
}

function listOf(names: readonly string[], total: number): string {
  const shown = names.slice(0, SHOWN).map(quote).join(", ");
  return total > SHOWN ? `${shown} and ${total - SHOWN} more` : shown;
}

/** The message of a refused record: its first issues with their paths, then how many more. */
export function formatIssues(issues: readonly RecordIssue[]): string {
  const shown = issues.slice(0, SHOWN).map((issue) => (issue.path ? `${issue.path}: ${issue.message}` : issue.message));
  return issues.length > SHOWN ? `${shown.join("; ")}; and ${issues.length - SHOWN} more` : shown.join("; ");
}

/** Create the report of one write: counts by reason, the first `maxProblems` problems, and rate-limited log summaries. */
export function createWriteReport(options: {
  readonly metrics: WriterMetrics;
  readonly limiter: LogLimiter;
  readonly maxProblems: number;
  readonly knownQueryKeys: readonly string[];
}): WriteReport {
  const dropped: DroppedDatapoints = {
    nan: 0,
    inf: 0,
    invalid_record: 0,
    invalid_timestamp: 0,
    label_limit: 0,
    record_too_large: 0,
    permanent_error: 0,
    connection_error: 0,
    server_error: 0,
  };
  const problems: RecordProblem[] = [];
  const emptyByQuery = new Map<string, number>();
  let emptyTotal = 0;
  const unknown: string[] = [];
  let unknownTotal = 0;
  let invalid = 0;
  let refusedPoints = 0;

  return {
    dropped,
    problems,
    get invalid() {
      return invalid;
    },
    refuse(position, issues, points, labels) {
      const reason = issues[0]?.reason ?? "invalid_record";
      invalid++;
      refusedPoints += points;
      dropped[reason] += points;
      if (points > 0) options.metrics.recordDropped(reason, points, labels);
      if (problems.length < options.maxProblems)
        problems.push({ position, field: issues[0]?.path ?? "", reason, message: formatIssues(issues), issues });
    },
    empty(queryKey) {
      emptyTotal++;
      if (emptyByQuery.has(queryKey) || emptyByQuery.size < KEYS_KEPT)
        emptyByQuery.set(queryKey, (emptyByQuery.get(queryKey) ?? 0) + 1);
    },
    unknownQueryKey(queryKey) {
      unknownTotal++;
      if (unknown.length < SHOWN) unknown.push(queryKey);
    },
    logSummary(records) {
      if (invalid > 0) {
        const first = problems.slice(0, SHOWN).map((p) => `${p.position}: ${formatIssues(p.issues.slice(0, 1))}`);
        const more = invalid > first.length ? `; and ${invalid - first.length} more` : "";
        options.limiter.log(
          "warn",
          "refused_records",
          `refused ${invalid} of ${records} records (${refusedPoints} datapoints): ${first.join("; ")}${more}`,
        );
      }
      if (emptyTotal > 0) {
        const keys = [...emptyByQuery.keys()];
        options.limiter.log(
          "warn",
          "no_valid_datapoints",
          `no valid datapoints to write in ${emptyTotal} records (only NaN/Inf values), for query keys ${listOf(keys, keys.length)}`,
        );
      }
      if (unknownTotal > 0) {
        const known = options.knownQueryKeys.slice(0, 20).join(", ");
        options.limiter.log(
          "warn",
          "unknown_query_key",
          `query keys not in reader.queries (${known}): ${listOf(unknown, unknownTotal)}`,
        );
      }
    },
  };
}
