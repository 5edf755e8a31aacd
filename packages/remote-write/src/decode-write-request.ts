import type { SnappyCodec } from "./create-snappy-codec.ts";
import { RemoteWriteError } from "./errors.ts";
import { getDefaultSnappyCodec } from "./get-default-snappy-codec.ts";
import type { DecodedWriteRequest } from "./types.ts";
import { getWriteRequestType } from "./write-request-definition.ts";

/** Options of decodeWriteRequest. */
export interface DecodeWriteRequestOptions {
  readonly snappy?: SnappyCodec | undefined;
  /** The body is the bare protobuf, not snappy-compressed. Default false. */
  readonly uncompressed?: boolean | undefined;
}

interface RawWriteRequest {
  timeseries: { labels: { name: string; value: string }[]; samples: { value: number; timestamp: number }[] }[];
}

/**
 * Decode a remote-write 1.0 body (snappy block + protobuf `prometheus.WriteRequest`) as it is
 * on the wire, for tests and debugging: labels and samples in wire order, timestamps as numbers
 * (Unix ms). Throws RemoteWriteError `DECODE_FAILED` when it is not one.
 */
export function decodeWriteRequest(body: Uint8Array, options: DecodeWriteRequestOptions = {}): DecodedWriteRequest {
  let proto: Uint8Array;
  if (options.uncompressed) {
    proto = body;
  } else {
    try {
      proto = (options.snappy ?? getDefaultSnappyCodec()).uncompress(body);
    } catch (error) {
      throw new RemoteWriteError(
        "DECODE_FAILED",
        `the body is not a snappy block (${body.byteLength} bytes): ${message(error)}`,
        { cause: error },
      );
    }
  }
  const type = getWriteRequestType();
  try {
    const decoded = type.toObject(type.decode(proto), {
      longs: Number,
      defaults: true,
      arrays: true,
    }) as RawWriteRequest;
    return {
      timeseries: decoded.timeseries.map((series) => ({
        labels: series.labels.map(({ name, value }) => ({ name, value })),
        samples: series.samples.map(({ value, timestamp }) => ({ value, timestamp })),
      })),
    };
  } catch (error) {
    throw new RemoteWriteError(
      "DECODE_FAILED",
      `the body is not a protobuf prometheus.WriteRequest (${proto.byteLength} bytes): ${message(error)}`,
      { cause: error },
    );
  }
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
