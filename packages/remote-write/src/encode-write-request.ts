import type { SnappyCodec } from "./create-snappy-codec.ts";
import { getDefaultSnappyCodec } from "./get-default-snappy-codec.ts";
import type { RemoteWriteSeries } from "./types.ts";
import { withWriteRequest } from "./with-write-request.ts";

/** Options of encodeWriteRequest. */
export interface EncodeWriteRequestOptions {
  /** Default: native snappy when it loads, else snappyjs (see resolveSnappyImplementation). */
  readonly snappy?: SnappyCodec | undefined;
  /**
   * Merge series with the same label set into one TimeSeries. Default true. A caller whose
   * batches never repeat a label set may turn it off: it saves building a key per series
   * (about a quarter of the protobuf time for one-sample series). Without merging, a receiver
   * such as Prometheus silently drops the samples of a repeated series that go back in time.
   */
  readonly mergeSeries?: boolean | undefined;
}

/**
 * The body of a Prometheus remote-write 1.0 request: a protobuf `prometheus.WriteRequest`,
 * snappy block-compressed. Labels are sorted by name and samples by timestamp, as the spec
 * requires; series with the same label set are merged (Prometheus answers 204 but drops the
 * samples of a series that go back in time within a request); of equal timestamps the last sample given
 * wins; labels with an empty value and series without samples are left out; a lone UTF-16
 * surrogate becomes U+FFFD (protobufjs would write invalid UTF-8, which Go receivers refuse).
 * Throws RemoteWriteError `SERIES_INVALID` for a bad series (its index in `seriesIndex`).
 */
export function encodeWriteRequest(
  series: readonly RemoteWriteSeries[],
  options: EncodeWriteRequestOptions = {},
): Uint8Array {
  const codec = options.snappy ?? getDefaultSnappyCodec();
  return withWriteRequest(series, options.mergeSeries ?? true, (bytes) => codec.compress(bytes));
}
