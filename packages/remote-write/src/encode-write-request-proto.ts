import type { EncodeWriteRequestOptions } from "./encode-write-request.ts";
import type { RemoteWriteSeries } from "./types.ts";
import { withWriteRequest } from "./with-write-request.ts";

/**
 * The uncompressed protobuf `prometheus.WriteRequest` of `series` (what encodeWriteRequest
 * snappy-compresses), made the same way: labels sorted by name, samples by timestamp, series
 * with the same label set merged unless `mergeSeries` is false (`snappy` is not used).
 * Throws RemoteWriteError `SERIES_INVALID`.
 */
export function encodeWriteRequestProto(
  series: readonly RemoteWriteSeries[],
  options: Pick<EncodeWriteRequestOptions, "mergeSeries"> = {},
): Uint8Array {
  return withWriteRequest(series, options.mergeSeries ?? true, (bytes) => Uint8Array.prototype.slice.call(bytes));
}
