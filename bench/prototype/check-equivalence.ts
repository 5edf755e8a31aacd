/**
 * The prototype encoders must write exactly what the package encoder writes. Run:
 *   node --import tsx prototype/check-equivalence.ts
 * Compares the text of every record of both shapes (two inferences each, so that caches are
 * hit) and of edge cases (label clashes with metric_format and aliases, empty values, lone
 * surrogates, integer-like label names, NaN/Inf spellings, -0, 1e21), for two metric_formats.
 */
import { createRecordEncoder, parseRecord } from "@anomaly-writer/metric-format";
import { createSlotAllocator, defaultAnchor, materializeRecords, resolveShapes } from "../lib/shapes.ts";
import { createFastRecordEncoder } from "./fast-record-encoder.ts";
import { createTemplateRecordEncoder } from "./template-record-encoder.ts";

const formats = [
  { __name__: "$VAR", for: "$QUERY_KEY" },
  { __name__: "PREFIX1_$VAR", for: "PREFIX2_$QUERY_KEY", custom_label_1: "label_name_1", instance: "", job: "x$VARy" },
];
const edgeCases: unknown[] = [
  { query_key: "q\u0000x", labels: { "a b": "é\ud800", __name__: "zzz", for: "f", zz: "v" }, timestamps: [1, 2, 3], outputs: { y: [1.5, null, "Inf"], trend: ["NaN", -0, 1e21] }, model_alias: "m" },
  { query_key: "q", labels: { b: "", c: '"quoted\\\n' }, timestamps: [5], outputs: { y: [null], z: [3] } },
  { query_key: "q", labels: { c: 'quo:""ted', "1": "x" }, timestamps: [5, 6], outputs: { y: [null, 2], z: [3, "-inf"] }, preset: "" },
  { query_key: "q\ud800", labels: { c: "ok" }, timestamps: [5], outputs: { y: [1] }, scheduler_alias: "s" },
  { query_key: "q", labels: { c: "o\udc00k", d: "é✓" }, timestamps: [5], outputs: { y: [1] }, scheduler_alias: "s" },
  { query_key: "q", labels: { c: "é✓" }, timestamps: [5], outputs: { y: [1] }, scheduler_alias: 's"' },
  { query_key: "q", labels: { model_alias: "in" }, timestamps: [5], outputs: { y: [1] } },
  { query_key: "q", labels: {}, timestamps: [5], outputs: { y: [1] }, model_alias: "m" },
];

let checked = 0;
for (const metricFormat of formats) {
  const reference = createRecordEncoder({ metricFormat });
  const candidates = { cached: createFastRecordEncoder({ metricFormat }), template: createTemplateRecordEncoder({ metricFormat }) };
  const shapes = resolveShapes(true);
  const inputs: unknown[] = [...edgeCases, ...edgeCases];
  for (const shape of [shapes.wide, shapes.long]) {
    const next = createSlotAllocator(shape, defaultAnchor());
    inputs.push(...materializeRecords(shape, next()), ...materializeRecords(shape, next()));
  }
  for (const input of inputs) {
    const expected = reference.encode(parseRecord(input)).lines.join("");
    for (const [name, encoder] of Object.entries(candidates)) {
      for (const encoded of [encoder.encode(parseRecord(input)), encoder.encodeRaw(input)]) {
        if (encoded.text !== expected || encoded.bytes !== Buffer.byteLength(expected)) {
          process.stderr.write(`${name} differs on ${JSON.stringify(input).slice(0, 200)}:\nexpected ${expected.slice(0, 300)}\nactual   ${encoded.text.slice(0, 300)}\n`);
          process.exit(1);
        }
        checked++;
      }
    }
  }
}
process.stdout.write(`prototype encoders write the same bytes as createRecordEncoder (${checked} encodings compared)\n`);
