import type { SnappyImplementation } from "./create-snappy-codec.ts";
import { getDefaultSnappyCodec } from "./get-default-snappy-codec.ts";

/**
 * Which snappy implementation encodeWriteRequest and decodeWriteRequest use by default, and why
 * not native when they fell back: for a log line at start-up.
 */
export function resolveSnappyImplementation(): {
  readonly implementation: SnappyImplementation;
  readonly fallbackReason?: string;
} {
  const codec = getDefaultSnappyCodec();
  return codec.fallbackReason === undefined
    ? { implementation: codec.implementation }
    : { implementation: codec.implementation, fallbackReason: codec.fallbackReason };
}
