import type protobuf from "protobufjs";
import { loadProtobuf } from "./load-protobuf.ts";

/**
 * `prometheus.WriteRequest` of remote write 1.0 (prometheus/prompb/remote.proto, types.proto),
 * the fields a writer of samples uses, as a protobufjs reflection definition: no `.proto` file
 * is read at run time and nothing is generated at build time. Proto3 (protobufjs' default for a
 * JSON definition): default values (0, "") are left out on the wire.
 */
export const WRITE_REQUEST_DEFINITION = {
  nested: {
    prometheus: {
      nested: {
        WriteRequest: { fields: { timeseries: { rule: "repeated", type: "TimeSeries", id: 1 } } },
        TimeSeries: {
          fields: {
            labels: { rule: "repeated", type: "Label", id: 1 },
            samples: { rule: "repeated", type: "Sample", id: 2 },
          },
        },
        Label: { fields: { name: { type: "string", id: 1 }, value: { type: "string", id: 2 } } },
        Sample: { fields: { value: { type: "double", id: 1 }, timestamp: { type: "int64", id: 2 } } },
      },
    },
  },
} as const;

let writeRequestType: protobuf.Type | undefined;

/** The protobufjs reflection type of `prometheus.WriteRequest`, built once. */
export function getWriteRequestType(): protobuf.Type {
  writeRequestType ??= loadProtobuf().Root.fromJSON(WRITE_REQUEST_DEFINITION).lookupType("prometheus.WriteRequest");
  return writeRequestType;
}
