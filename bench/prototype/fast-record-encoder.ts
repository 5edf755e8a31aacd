/**
 * PROTOTYPE (bench only, not product code): a record encoder that produces the same JSON lines as
 * `createRecordEncoder` (packages/metric-format) with less work per record, to measure what the
 * changes proposed for issue 8 would gain. Differences from the package:
 *
 * - the cold path builds each `{"metric":{...},"values":[` prefix as text straight from the record
 *   (one Map for the merge order, `JSON.stringify` per name and value), instead of a frozen
 *   label-set object built with `Object.defineProperty` and then `JSON.stringify`-ed: such objects
 *   are dictionary-mode in V8 and both steps take the slow paths;
 * - the record key is `JSON.stringify(labels)` plus the query key and aliases joined by NUL (no
 *   length prefixes, which cost a number-to-string conversion and four concatenations each);
 * - the cache holds records (not series) and keeps the prefixes in arrays in output-variable
 *   order: a warm record costs one Map lookup, then an array read per variable;
 * - a record is returned as ONE text chunk with its exact UTF-8 byte count (prefix bytes are
 *   cached; numbers are ASCII), so the writer needs no `Buffer.byteLength` per line;
 * - labels are validated only when a record's key is new (a hit proves its labels are the same
 *   strings already checked), so `safeParseRecord` can be skipped on the hot path (see
 *   `validate`: values and timestamps are checked here anyway).
 *
 * Not covered: lines longer than `maxLineBytes` are delegated to the package encoder; the label
 * limit and tenancy warnings are not emitted (they only need the cold path).
 */
import { createRecordEncoder, RecordError, type ModelOutputRecord, type RecordEncoder } from "@anomaly-writer/metric-format";

const SURROGATE = /[\ud800-\udfff]/;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
const wellFormed = (text: string) => (SURROGATE.test(text) ? text.replace(LONE_SURROGATE, "\ufffd") : text);
const NON_FINITE = /^[+-]?(?:(nan)|inf(?:inity)?)$/i;
const MIDDLE = '],"timestamps":[';
const END = "]}\n";
const FIXED = MIDDLE.length + END.length;
const PLACEHOLDER = /\$(VAR|QUERY_KEY)/g;
const INDEX_LIKE = /^(?:0|[1-9]\d{0,9})$/;

interface FormatEntry {
  readonly name: string;
  readonly quotedName: string;
  readonly template: string;
  readonly dynamic: boolean;
}

interface Entry {
  /** An integer-like label name: V8 orders such keys first in an object, take the package's path. */
  readonly general: boolean;
  readonly variables: string[];
  readonly prefixes: string[];
  readonly bytes: number[];
  /** Builds the prefix of a variable not seen yet for this record. */
  readonly build: (variable: string) => { prefix: string; bytes: number };
}

/** One encoded record. */
export interface FastEncoded {
  /** Its JSON lines, concatenated. */
  readonly text: string;
  /** UTF-8 bytes of `text`. */
  readonly bytes: number;
  readonly series: number;
  readonly datapoints: number;
  readonly nan: number;
  readonly inf: number;
}

export interface FastRecordEncoderOptions {
  readonly metricFormat: Readonly<Record<string, string>>;
  /** Records (not series) kept between inferences. Default 200 000. */
  readonly cacheRecords?: number;
  readonly maxLineBytes?: number;
}

export interface FastRecordEncoder {
  /** Encode a record that passed safeParseRecord. */
  encode(record: ModelOutputRecord): FastEncoded;
  /** Encode a raw record, validating its labels and aliases only on a cache miss. */
  encodeRaw(record: unknown): FastEncoded;
}

function badRecord(path: string, message: string): RecordError {
  return new RecordError([{ path, message }]);
}

export function createFastRecordEncoder(options: FastRecordEncoderOptions): FastRecordEncoder {
  const format: FormatEntry[] = Object.entries(options.metricFormat).map(([name, template]) => ({
    name: wellFormed(name),
    quotedName: JSON.stringify(wellFormed(name)),
    template,
    dynamic: PLACEHOLDER.test(template) && ((PLACEHOLDER.lastIndex = 0), true),
  }));
  const formatNames = new Set(format.map((f) => f.name));
  const maxLineBytes = options.maxLineBytes ?? 1024 * 1024;
  const capacity = Math.max(1, options.cacheRecords ?? 200_000);
  let current = new Map<string, Entry>();
  let previous = new Map<string, Entry>();
  let fallback: RecordEncoder | undefined;

  const render = (template: string, variable: string, queryKey: string) =>
    template.replace(PLACEHOLDER, (_m, which: string) => (which === "VAR" ? variable : queryKey));

  /** The cold path: what a record's prefixes depend on, as text pieces. */
  const newEntry = (record: ModelOutputRecord): Entry => {
    const merged = new Map<string, string | FormatEntry>([["__name__", ""]]);
    const labels = record.labels;
    for (const name in labels) merged.set(wellFormed(name), wellFormed(labels[name] as string));
    if (record.model_alias != null) merged.set("model_alias", wellFormed(record.model_alias));
    if (record.scheduler_alias != null) merged.set("scheduler_alias", wellFormed(record.scheduler_alias));
    if (record.preset != null) merged.set("preset", wellFormed(record.preset));
    for (const entry of format) merged.set(entry.name, entry);
    const pieces: (string | FormatEntry)[] = [];
    for (const [name, value] of merged) {
      if (typeof value !== "string") pieces.push(value);
      else if (value !== "" && !formatNames.has(name)) pieces.push(`${JSON.stringify(name)}:${JSON.stringify(value)}`);
    }
    const queryKey = record.query_key;
    let general = false;
    for (const name of merged.keys()) if (INDEX_LIKE.test(name)) general = true;
    return {
      general,
      variables: [],
      prefixes: [],
      bytes: [],
      build(variable) {
        let body = "";
        for (const piece of pieces) {
          let text: string;
          if (typeof piece === "string") text = piece;
          else {
            const value = wellFormed(piece.dynamic ? render(piece.template, variable, queryKey) : piece.template);
            if (value === "") {
              if (piece.name === "__name__") throw badRecord(`outputs.${variable}`, "metric_format.__name__ gives an empty metric name for this variable");
              continue;
            }
            text = `${piece.quotedName}:${JSON.stringify(value)}`;
          }
          body = body === "" ? text : `${body},${text}`;
        }
        const prefix = `{"metric":{${body}},"values":[`;
        return { prefix, bytes: Buffer.byteLength(prefix) };
      },
    };
  };

  const keyOf = (record: ModelOutputRecord): string => {
    const q = record.query_key;
    const m = record.model_alias;
    const s = record.scheduler_alias;
    const p = record.preset;
    const tail = `${q}\u0000${m ?? "\u0001"}\u0000${s ?? "\u0001"}\u0000${p ?? "\u0001"}`;
    // NUL inside a part would make the joined key ambiguous: fall back to a JSON array.
    const safe = !(q.includes("\u0000") || m?.includes("\u0000") || s?.includes("\u0000") || p?.includes("\u0000"));
    return `${JSON.stringify(record.labels)}\u0000${safe ? tail : JSON.stringify([q, m ?? null, s ?? null, p ?? null])}`;
  };

  const lookup = (key: string): Entry | undefined => {
    let entry = current.get(key);
    if (entry !== undefined) return entry;
    entry = previous.get(key);
    if (entry !== undefined) remember(key, entry);
    return entry;
  };
  const remember = (key: string, entry: Entry) => {
    if (current.size >= capacity / 2) {
      previous = current;
      current = new Map();
    }
    current.set(key, entry);
  };

  const encode = (record: ModelOutputRecord, entry: Entry): FastEncoded => {
    const outputs = record.outputs;
    const timestamps = record.timestamps;
    const count = timestamps.length;
    let text = "";
    let bytes = 0;
    let series = 0;
    let datapoints = 0;
    let nan = 0;
    let inf = 0;
    let index = 0;
    let joinedTimestamps: string | undefined;
    let timestampChars = 0;
    const timestampTexts: string[] = new Array<string>(count);
    for (let i = 0; i < count; i++) {
      const t = timestamps[i] as number;
      if (!Number.isSafeInteger(t) || t < 0) throw badRecord(`timestamps[${i}]`, "must be a non-negative integer Unix millisecond timestamp");
      const tt = "" + t;
      timestampTexts[i] = tt;
      timestampChars += tt.length;
    }
    for (const variable in outputs) {
      const raw = outputs[variable] as readonly unknown[];
      if (raw.length !== count) throw badRecord(`outputs.${variable}`, `has ${raw.length} values but timestamps has ${count}`);
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
          if (!match) throw badRecord(`outputs.${variable}[${i}]`, 'must be a number, null, "NaN", "Inf" or "-Inf"');
          if (match[1] === undefined) inf++;
          else nan++;
        }
        if (kept === undefined) {
          kept = timestampTexts.slice(0, i);
          for (const t of kept) keptChars += t.length;
        }
      }
      if (n === 0) continue;
      let slot = entry.variables[index] === variable ? index : entry.variables.indexOf(variable);
      if (slot === -1) {
        const built = entry.build(variable);
        slot = entry.variables.length;
        entry.variables.push(variable);
        entry.prefixes.push(built.prefix);
        entry.bytes.push(built.bytes);
      }
      index++;
      let tsText: string;
      let tsChars: number;
      if (kept === undefined) {
        tsText = joinedTimestamps ??= timestampTexts.join(",");
        tsChars = timestampChars + count - 1;
      } else {
        tsText = kept.join(",");
        tsChars = keptChars + kept.length - 1;
      }
      const lineBytes = (entry.bytes[slot] as number) + FIXED + valuesText.length + tsChars;
      if (lineBytes > maxLineBytes) throw new SplitNeeded();
      text += (entry.prefixes[slot] as string) + valuesText + MIDDLE + tsText + END;
      bytes += lineBytes;
      series++;
      datapoints += n;
    }
    return { text, bytes, series, datapoints, nan, inf };
  };

  const encodeWith = (record: ModelOutputRecord, validateLabels: boolean): FastEncoded => {
    const key = keyOf(record);
    let entry = lookup(key);
    if (entry === undefined) {
      if (validateLabels) checkLabels(record);
      entry = newEntry(record);
      remember(key, entry);
    }
    try {
      if (entry.general) throw new SplitNeeded();
      return encode(record, entry);
    } catch (error) {
      if (!(error instanceof SplitNeeded)) throw error;
      fallback ??= createRecordEncoder({ metricFormat: options.metricFormat, maxLineBytes, labelCacheSize: 0 });
      const encoded = fallback.encode(record);
      const text = encoded.lines.join("");
      return { text, bytes: Buffer.byteLength(text), series: encoded.series, datapoints: encoded.datapoints, nan: encoded.dropped.nan, inf: encoded.dropped.inf };
    }
  };

  return {
    encode: (record) => encodeWith(record, false),
    encodeRaw(input) {
      if (typeof input !== "object" || input === null || Array.isArray(input)) throw badRecord("", "a record must be a JSON object");
      const r = input as Record<string, unknown>;
      if (typeof r.query_key !== "string" || r.query_key === "") throw badRecord("query_key", "must be a non-empty string");
      if (typeof r.labels !== "object" || r.labels === null || Array.isArray(r.labels)) throw badRecord("labels", "must be an object");
      if (!Array.isArray(r.timestamps)) throw badRecord("timestamps", "must be an array");
      if (typeof r.outputs !== "object" || r.outputs === null || Array.isArray(r.outputs)) throw badRecord("outputs", "must be an object");
      for (const v in r.outputs as object) if (!Array.isArray((r.outputs as Record<string, unknown>)[v])) throw badRecord(`outputs.${v}`, "must be an array");
      for (const alias of ["model_alias", "scheduler_alias", "preset"] as const) {
        const value = r[alias];
        if (value !== undefined && value !== null && typeof value !== "string") throw badRecord(alias, "must be a string");
      }
      return encodeWith(input as ModelOutputRecord, true);
    },
  };
}

class SplitNeeded extends Error {}

function checkLabels(record: ModelOutputRecord): void {
  for (const name in record.labels) {
    if (name === "") throw badRecord("labels", "label name must not be empty");
    if (typeof record.labels[name] !== "string") throw badRecord(`labels.${name}`, "label value must be a string");
  }
}
