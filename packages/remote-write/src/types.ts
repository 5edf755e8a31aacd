/**
 * One series to write: what `@anomaly-writer/metric-format`'s `FormattedSeries` carries
 * (`labels` with `__name__`, one value per timestamp). Timestamps are Unix milliseconds.
 */
export interface RemoteWriteSeries {
  readonly labels: Readonly<Record<string, string>>;
  readonly timestamps: readonly number[];
  readonly values: readonly number[];
}

/** A label of a decoded request, in wire order. */
export interface DecodedLabel {
  readonly name: string;
  readonly value: string;
}

/** A sample of a decoded request; `timestamp` in Unix milliseconds. */
export interface DecodedSample {
  readonly value: number;
  readonly timestamp: number;
}

/** A `prometheus.TimeSeries` as it was on the wire. */
export interface DecodedTimeSeries {
  readonly labels: readonly DecodedLabel[];
  readonly samples: readonly DecodedSample[];
}

/** A `prometheus.WriteRequest` as it was on the wire (metadata is not read). */
export interface DecodedWriteRequest {
  readonly timeseries: readonly DecodedTimeSeries[];
}
