import type { RecordIssue } from "./types.ts";

/** How many issues a RecordError message spells out; all of them stay in `issues`. */
const ISSUES_IN_MESSAGE = 5;

/** A model-output record that cannot be written: bad shape, bad values or an unusable label set. */
export class RecordError extends Error {
  override readonly name = "RecordError";
  readonly code = "RECORD_INVALID";
  /** Every problem found, each with a precise path such as `outputs.yhat[3]`. */
  readonly issues: readonly RecordIssue[];

  constructor(issues: readonly RecordIssue[], options?: { cause?: unknown }) {
    const shown = issues
      .slice(0, ISSUES_IN_MESSAGE)
      .map((issue) => (issue.path ? `${issue.path}: ${issue.message}` : issue.message));
    const more = issues.length > ISSUES_IN_MESSAGE ? `; and ${issues.length - ISSUES_IN_MESSAGE} more` : "";
    super(`[metric-format] invalid model-output record: ${shown.join("; ")}${more}`, options);
    this.issues = issues;
  }
}

/** A bad option: a metric_format without `__name__` or `$VAR`, a non-positive line limit... */
export class MetricFormatError extends Error {
  override readonly name = "MetricFormatError";
  readonly code: "METRIC_FORMAT_INVALID" | "OPTIONS_INVALID";

  constructor(code: MetricFormatError["code"], message: string, options?: { cause?: unknown }) {
    super(`[metric-format] ${message}`, options);
    this.code = code;
  }
}
