import { MetricFormatError, RecordError } from "./errors.ts";
import { utf8Length } from "./utf8-length.ts";
import { toWellFormed } from "./well-formed.ts";

/** 1 MiB: far below VictoriaMetrics' `-import.maxLineLen` (100 MiB) and kind to proxies. */
export const DEFAULT_MAX_LINE_BYTES = 1024 * 1024;

const MIDDLE = '],"timestamps":[';
const END = "]}\n";
/** The bytes of a line besides the prefix and the numbers. */
export const FIXED_LINE_BYTES = MIDDLE.length + END.length;

/** The start of every line of one series: `{"metric":{...},"values":[`. */
export interface SeriesPrefix {
  readonly prefix: string;
  /** Its UTF-8 length. */
  readonly bytes: number;
}

/** Encode a label set once (JSON.stringify escapes quotes, backslashes and control characters). */
export function encodeSeriesPrefix(labels: Readonly<Record<string, string>>): SeriesPrefix {
  let safe: Readonly<Record<string, string>> = labels;
  for (const name in labels) {
    const value = labels[name] as string;
    if (toWellFormed(name) !== name || toWellFormed(value) !== value) {
      const copy: Record<string, string> = {};
      // defineProperty, not assignment: a label may be called "__proto__". Two names may become
      // the same after the replacement: the later one wins, like in a label set built from a Map.
      for (const [n, v] of Object.entries(labels)) {
        Object.defineProperty(copy, toWellFormed(n), {
          value: toWellFormed(v),
          enumerable: true,
          writable: true,
          configurable: true,
        });
      }
      safe = copy;
      break;
    }
  }
  const prefix = `{"metric":${JSON.stringify(safe)},"values":[`;
  return { prefix, bytes: utf8Length(prefix) };
}

/** Check a maxLineBytes option. */
export function resolveMaxLineBytes(value: number | undefined): number {
  if (value === undefined) return DEFAULT_MAX_LINE_BYTES;
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new MetricFormatError("OPTIONS_INVALID", `maxLineBytes must be a positive integer, got ${String(value)}`);
  }
  return value;
}

/**
 * Append the JSON lines of one series to `out`: a single line when it fits in `maxLineBytes`,
 * else as few lines as fit. `values` and `timestamps` are already formatted numbers (ASCII).
 * `joinedTimestamps`, when given, is `timestamps.join(",")`, shared by the series of a record.
 */
export function pushSeriesLines(
  out: string[],
  prefix: SeriesPrefix,
  values: readonly string[],
  timestamps: readonly string[],
  maxLineBytes: number,
  joinedTimestamps?: string,
): void {
  const count = values.length;
  if (count === 1) {
    const value = values[0] as string;
    const timestamp = timestamps[0] as string;
    if (prefix.bytes + FIXED_LINE_BYTES + value.length + timestamp.length <= maxLineBytes) {
      out.push(prefix.prefix + value + MIDDLE + timestamp + END);
      return;
    }
  }
  let total = prefix.bytes + FIXED_LINE_BYTES + 2 * (count - 1);
  for (let i = 0; i < count; i++) total += (values[i] as string).length + (timestamps[i] as string).length;
  if (total <= maxLineBytes) {
    out.push(prefix.prefix + values.join(",") + MIDDLE + (joinedTimestamps ?? timestamps.join(",")) + END);
    return;
  }
  const fixed = prefix.bytes + FIXED_LINE_BYTES;
  let start = 0;
  let size = fixed;
  for (let i = 0; i < count; i++) {
    const point = (values[i] as string).length + (timestamps[i] as string).length;
    if (i === start) {
      if (fixed + point > maxLineBytes) {
        throw new RecordError([
          {
            path: "labels",
            message: `the label set takes ${prefix.bytes} bytes: no line of at most ${maxLineBytes} bytes (maxLineBytes) can hold it with a point`,
          },
        ]);
      }
      size = fixed + point;
    } else if (size + point + 2 > maxLineBytes) {
      out.push(prefix.prefix + values.slice(start, i).join(",") + MIDDLE + timestamps.slice(start, i).join(",") + END);
      start = i;
      size = fixed + point;
    } else {
      size += point + 2;
    }
  }
  out.push(prefix.prefix + values.slice(start).join(",") + MIDDLE + timestamps.slice(start).join(",") + END);
}
