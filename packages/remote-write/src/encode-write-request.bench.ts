// Encode speed on realistic batches (no assertions): `pnpm exec vitest bench --run`.
import { bench, describe } from "vitest";
import { createSnappyCodec } from "./create-snappy-codec.ts";
import { encodeWriteRequest } from "./encode-write-request.ts";
import { encodeWriteRequestProto } from "./encode-write-request-proto.ts";
import type { RemoteWriteSeries } from "./types.ts";
import { getWriteRequestType } from "./write-request-definition.ts";

const T0 = 1_732_406_400_000;
const OUTPUTS = ["anomaly_score", "y", "yhat", "yhat_lower", "yhat_upper"];

/** `inputs` input series × 5 outputs, `points` one-minute points each, model-output-like doubles. */
function batch(inputs: number, points: number): RemoteWriteSeries[] {
  let seed = 42;
  const random = () => {
    seed = (seed * 16807) % 2147483647;
    return (seed - 1) / 2147483646;
  };
  const series: RemoteWriteSeries[] = [];
  for (let i = 0; i < inputs; i++) {
    for (const output of OUTPUTS) {
      series.push({
        labels: {
          __name__: `vmanomaly_${output}`,
          for: "node_cpu_rate",
          instance: `host-${i}.prod.example.com:9100`,
          job: "node-exporter",
          mode: ["idle", "user", "system", "iowait"][i % 4] ?? "idle",
          cpu: String(i % 32),
          model_alias: "prophet_seasonal",
          scheduler_alias: "periodic_1m",
        },
        timestamps: Array.from({ length: points }, (_, p) => T0 + p * 60_000),
        values: Array.from({ length: points }, () => random() * 100),
      });
    }
  }
  return series;
}

const native = createSnappyCodec({ implementation: "native" });
const js = createSnappyCodec({ implementation: "js" });
const type = getWriteRequestType();

for (const [title, series] of [
  ["online: 400 inputs x 5 outputs x 1 point (2000 series)", batch(400, 1)],
  ["backfill: 10 inputs x 5 outputs x 1440 points (72 000 samples)", batch(10, 1440)],
] as const) {
  const samples = series.reduce((sum, s) => sum + s.timestamps.length, 0);
  const proto = encodeWriteRequestProto(series);
  console.log(
    `${title}: ${samples} samples, protobuf ${proto.byteLength} B, snappy native ${native.compress(proto).byteLength} B, snappyjs ${js.compress(proto).byteLength} B`,
  );
  describe(title, () => {
    bench("protobuf only (protobufjs Writer, ours)", () => {
      encodeWriteRequestProto(series);
    });
    bench("protobuf only (protobufjs reflection: fromObject + encode)", () => {
      const message = {
        timeseries: series.map((s) => ({
          labels: Object.keys(s.labels)
            .sort()
            .map((name) => ({ name, value: s.labels[name] })),
          samples: s.timestamps.map((timestamp, i) => ({ timestamp, value: s.values[i] })),
        })),
      };
      type.encode(type.fromObject(message)).finish();
    });
    bench("protobuf only (ours, mergeSeries: false)", () => {
      encodeWriteRequestProto(series, { mergeSeries: false });
    });
    bench("encodeWriteRequest, snappy native", () => {
      encodeWriteRequest(series, { snappy: native });
    });
    bench("encodeWriteRequest, snappyjs", () => {
      encodeWriteRequest(series, { snappy: js });
    });
    bench("snappy native only", () => {
      native.compress(proto);
    });
    bench("snappyjs only", () => {
      js.compress(proto);
    });
  });
}
