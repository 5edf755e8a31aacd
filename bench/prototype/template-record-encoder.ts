/**
 * PROTOTYPE (bench only, not product code): an encoder that needs no label cache at all. For the
 * common record (no input label named like a metric_format key or an alias, no empty label value,
 * no lone surrogate, no integer-like label name) the `{"metric":{...},"values":[` prefix of every
 * output variable is
 *
 *   {"metric":{ <__name__ piece> , <JSON.stringify(labels) without its braces> , <aliases> , <other metric_format pieces> },"values":[
 *
 * byte for byte what `createRecordEncoder` writes: the label order is the same (__name__, input
 * labels, aliases, metric_format keys) and `JSON.stringify` escapes the same way. One
 * `JSON.stringify(labels)` per record (which the package already spends on its cache key) replaces
 * the cache lookup, so cold == warm, nothing is remembered between inferences (no memory that
 * grows with the number of series, no eviction), and other records fall back to `fallback`.
 * The metric_format pieces depend only on (query key, variable): they are cached in a tiny map.
 */
import type { ModelOutputRecord } from "@anomaly-writer/metric-format";
import { createFastRecordEncoder, type FastEncoded, type FastRecordEncoder } from "./fast-record-encoder.ts";

const PLACEHOLDER = /\$(VAR|QUERY_KEY)/g;
const SURROGATE = /[\ud800-\udfff]/;
const MIDDLE = '],"timestamps":[';
const END = "]}\n";
const FIXED = MIDDLE.length + END.length;
const NON_FINITE = /^[+-]?(?:(nan)|inf(?:inity)?)$/i;
const ALIASES = ["model_alias", "scheduler_alias", "preset"] as const;

interface VariablePieces {
  /** `"__name__":"..."` followed by nothing; undefined when the name renders empty. */
  readonly head: string;
  /** `,"for":"..."`... (the other metric_format keys, empty values left out). */
  readonly tail: string;
  readonly bytes: number;
}

export interface TemplateRecordEncoderOptions {
  readonly metricFormat: Readonly<Record<string, string>>;
  readonly maxLineBytes?: number;
}

export function createTemplateRecordEncoder(options: TemplateRecordEncoderOptions): FastRecordEncoder {
  const entries = Object.entries(options.metricFormat);
  const fallback = createFastRecordEncoder({ metricFormat: options.metricFormat, ...(options.maxLineBytes ? { maxLineBytes: options.maxLineBytes } : {}) });
  const maxLineBytes = options.maxLineBytes ?? 1024 * 1024;
  // Names whose presence among the input labels changes the merge: take the general path then.
  const reserved = [...new Set([...entries.map(([name]) => name), ...ALIASES])];
  const eligibleFormat = !entries.some(([name]) => SURROGATE.test(name) || name === "") && !entries.some(([name]) => /^\d/.test(name));
  const piecesByQuery = new Map<string, Map<string, VariablePieces | null>>();

  const piecesOf = (pieces: Map<string, VariablePieces | null>, queryKey: string, variable: string): VariablePieces | null => {
    const key = variable;
    let found = pieces.get(key);
    if (found !== undefined) return found;
    found = null;
    if (!SURROGATE.test(queryKey) && !SURROGATE.test(variable)) {
      let head = "";
      let tail = "";
      for (const [name, template] of entries) {
        const value = template.replace(PLACEHOLDER, (_m, which: string) => (which === "VAR" ? variable : queryKey));
        if (name === "__name__") head = value === "" ? "" : `"__name__":${JSON.stringify(value)}`;
        else if (value !== "") tail += `,${JSON.stringify(name)}:${JSON.stringify(value)}`;
      }
      found = head === "" ? null : { head, tail, bytes: Buffer.byteLength(head) + Buffer.byteLength(tail) };
    }
    pieces.set(key, found);
    return found;
  };

  const encodeFast = (record: ModelOutputRecord): FastEncoded | undefined => {
    if (!eligibleFormat) return undefined;
    const labels = record.labels;
    for (const name of reserved) if (labels[name] !== undefined) return undefined;
    const json = JSON.stringify(labels);
    const c = json.charCodeAt(2);
    if ((c >= 48 && c <= 57) || json.includes(':""') || json.includes("\\ud")) return undefined;
    let aliases = "";
    for (const alias of ALIASES) {
      const value = record[alias];
      if (value === undefined || value === null || value === "") continue;
      if (SURROGATE.test(value)) return undefined;
      aliases += `,"${alias}":${JSON.stringify(value)}`;
    }
    const inner = json.length > 2 ? `,${json.slice(1, -1)}${aliases}` : aliases;
    const innerBytes = Buffer.byteLength(inner);

    const outputs = record.outputs;
    const timestamps = record.timestamps;
    const count = timestamps.length;
    let pieces = piecesByQuery.get(record.query_key);
    if (pieces === undefined) piecesByQuery.set(record.query_key, (pieces = new Map()));
    const timestampTexts: string[] = new Array<string>(count);
    let timestampChars = 0;
    for (let i = 0; i < count; i++) {
      const t = timestamps[i] as number;
      if (!Number.isSafeInteger(t) || t < 0) return undefined; // the general path throws the error
      const tt = "" + t;
      timestampTexts[i] = tt;
      timestampChars += tt.length;
    }
    let text = "";
    let bytes = 0;
    let series = 0;
    let datapoints = 0;
    let nan = 0;
    let inf = 0;
    let joined: string | undefined;
    for (const variable in outputs) {
      const raw = outputs[variable] as readonly unknown[];
      if (raw.length !== count) return undefined;
      const variablePieces = piecesOf(pieces, record.query_key, variable);
      if (variablePieces === null) return undefined;
      let valuesText = "";
      let kept: string[] | undefined;
      let keptChars = 0;
      let n = 0;
      for (let i = 0; i < count; i++) {
        const value = raw[i];
        if (typeof value === "number" && value - value === 0) {
          const vt = "" + value;
          valuesText = n === 0 ? vt : valuesText + "," + vt;
          n++;
          if (kept !== undefined) {
            kept.push(timestampTexts[i] as string);
            keptChars += (timestampTexts[i] as string).length;
          }
          continue;
        }
        if (value === null || (typeof value === "number" && value !== value)) nan++;
        else if (typeof value === "number") inf++;
        else {
          const match = typeof value === "string" ? NON_FINITE.exec(value) : null;
          if (!match) return undefined;
          if (match[1] === undefined) inf++;
          else nan++;
        }
        if (kept === undefined) {
          kept = timestampTexts.slice(0, i);
          for (const t of kept) keptChars += t.length;
        }
      }
      if (n === 0) continue;
      const tsText = kept === undefined ? (joined ??= timestampTexts.join(",")) : kept.join(",");
      const tsChars = kept === undefined ? timestampChars + count - 1 : keptChars + kept.length - 1;
      const prefixBytes = 23 + variablePieces.bytes + innerBytes; // {"metric":{ + },"values":[
      const lineBytes = prefixBytes + FIXED + valuesText.length + tsChars;
      if (lineBytes > maxLineBytes) return undefined;
      text += `{"metric":{${variablePieces.head}${inner}${variablePieces.tail}},"values":[${valuesText}${MIDDLE}${tsText}${END}`;
      bytes += lineBytes;
      series++;
      datapoints += n;
    }
    return { text, bytes, series, datapoints, nan, inf };
  };

  return {
    encode: (record) => encodeFast(record) ?? fallback.encode(record),
    encodeRaw(record) {
      // Labels are checked by the general path on a miss; here a non-string value shows in the JSON
      // as a number/object/array, which the general path rejects: take it when unsure.
      const r = record as ModelOutputRecord;
      if (typeof record !== "object" || record === null || typeof r.labels !== "object" || r.labels === null || !Array.isArray(r.timestamps) || typeof r.query_key !== "string" || r.query_key === "" || typeof r.outputs !== "object" || r.outputs === null) {
        return fallback.encodeRaw(record);
      }
      for (const name in r.labels) if (typeof r.labels[name] !== "string" || name === "") return fallback.encodeRaw(record);
      for (const v in r.outputs) if (!Array.isArray(r.outputs[v])) return fallback.encodeRaw(record);
      for (const alias of ALIASES) if (r[alias] !== undefined && r[alias] !== null && typeof r[alias] !== "string") return fallback.encodeRaw(record);
      return encodeFast(r) ?? fallback.encodeRaw(record);
    },
  };
}
