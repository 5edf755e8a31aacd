import { createRequire } from "node:module";
import type protobuf from "protobufjs";

const require = createRequire(import.meta.url);
let loaded: typeof protobuf | undefined;

/**
 * protobufjs, loaded on first use: only remote_write needs it, and every start of the CLI
 * (`write`, `check`, `serve` to VictoriaMetrics) would otherwise pay for loading it.
 */
export function loadProtobuf(): typeof protobuf {
  loaded ??= require("protobufjs") as typeof protobuf;
  return loaded;
}
