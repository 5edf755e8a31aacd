import protobuf from "protobufjs";

/**
 * protobufjs. Imported statically, so that bundlers see it; the writer loads this package only when
 * `class: remote_write` is used, so the CLI's other commands do not pay for loading it.
 */
export function loadProtobuf(): typeof protobuf {
  return protobuf;
}
