import { createSnappyCodec, type SnappyCodec } from "./create-snappy-codec.ts";

let defaultCodec: SnappyCodec | undefined;

/** The `auto` codec, created once per process: what encodeWriteRequest uses without an option. */
export function getDefaultSnappyCodec(): SnappyCodec {
  defaultCodec ??= createSnappyCodec();
  return defaultCodec;
}
