/**
 * One value of a model output as it arrives: a number, `null` (no value), or one of the strings
 * `"NaN"`, `"Inf"`, `"+Inf"`, `"-Inf"`, `"Infinity"`, `"+Infinity"`, `"-Infinity"` (any letter case).
 * Everything that is not a finite number is dropped before writing and counted.
 */
export type RawValue = number | null | string;

/** A model-output record (spec §2), field names as on the wire. */
export interface ModelOutputRecord {
  readonly query_key: string;
  readonly labels: Readonly<Record<string, string>>;
  /** Integer Unix milliseconds. */
  readonly timestamps: readonly number[];
  /** Output variable (`$VAR`) → one value per timestamp. */
  readonly outputs: Readonly<Record<string, readonly RawValue[]>>;
  readonly model_alias?: string;
  readonly scheduler_alias?: string;
  readonly preset?: string;
}

/**
 * Why a record is refused, the `reason` of the dropped-datapoints metric: a malformed record, a
 * timestamp the target would not keep, a label beyond the target's limits, or a record whose
 * expansion (series, label bytes) is beyond the bounds.
 */
export type RefusalReason = "invalid_record" | "invalid_timestamp" | "label_limit" | "record_too_large";

/** One problem of a record, at a precise path: `outputs.yhat[3]`, `labels.host`, `timestamps[0]`. */
export interface RecordIssue {
  /** Where, relative to the record; `""` for the record itself. */
  readonly path: string;
  readonly message: string;
  /** Why, as a metric reason; absent means `invalid_record`. */
  readonly reason?: RefusalReason;
}

/** Points dropped because they were not finite numbers. */
export interface DroppedPoints {
  /** `null`, `NaN`, `"NaN"`. */
  nan: number;
  /** `±Infinity`, `"Inf"`, `"-Inf"`... */
  inf: number;
}

/** What an encoded record holds, in every wire format. */
export interface EncodedCounts {
  /** The UTF-8 or binary length of the encoded body, exact. */
  readonly bytes: number;
  /** Series with at least one finite point. */
  readonly series: number;
  /** Finite points written. */
  readonly datapoints: number;
  readonly dropped: DroppedPoints;
  /** The label set of each series (`__name__` included), e.g. for the tenancy check. */
  readonly labelSets: readonly Readonly<Record<string, string>>[];
}

/** One output series: its final label set and its finite points. */
export interface FormattedSeries {
  /** The output label set, `__name__` included; labels with an empty value are left out. */
  readonly labels: Readonly<Record<string, string>>;
  /** The output variable it comes from (`anomaly_score`, `yhat`...). */
  readonly variable: string;
  readonly timestamps: readonly number[];
  /** Finite values only, one per timestamp. */
  readonly values: readonly number[];
}

/** What createLabelLimitChecker reports, once per label set. */
export interface LabelLimitWarning {
  readonly kind: "too_many_labels" | "label_value_too_long" | "label_name_too_long";
  readonly labels: Readonly<Record<string, string>>;
  readonly message: string;
}
