/**
 * The two ways of turning single-point JSON lines into Prometheus text, for
 * measure-line-scanner.ts (bundled by it, as a user's build would ship the code):
 *
 * - today's: `JSON.parse` and the writer's text encoder (`encodeIfValid`);
 * - the number-preserving scanner's lower bound: `scanRecordLine` reads the pieces from the
 *   line's text without building the record, and the lines are concatenated from them, each
 *   value's literal copied where `canonicalNumberText` proves it is what JavaScript prints, else
 *   parsed and printed. Only what the bench's records need is built: no guard, no label limits,
 *   no reserved names, no metric_format beyond `$VAR` and `for`. A real path would add those.
 */
import { createPrometheusTextEncoder } from "@anomaly-writer/metric-format";
import { canonicalNumberText } from "./canonical-number-text.ts";
import { scanRecordLine } from "./scan-record-line.ts";

export { canonicalNumberText as canonical };

const encoder = createPrometheusTextEncoder({ metricFormat: { __name__: "$VAR", for: "$QUERY_KEY" } });

/** JSON.parse alone; returns the records' count (kept so the work is not optimized away). */
export function parseOnly(lines: readonly string[]): number {
  let n = 0;
  for (const line of lines) n += (JSON.parse(line) as { timestamps: unknown[] }).timestamps.length;
  return n;
}

/** Today's path: JSON.parse, then the text encoder. Returns each line's text (or, to time it, only their length). */
export function parseAndEncode(lines: readonly string[], keep: boolean): { texts: string[]; chars: number } {
  const texts: string[] = [];
  let chars = 0;
  for (const line of lines) {
    const encoded = encoder.encodeIfValid(JSON.parse(line));
    if (encoded === undefined) throw new Error(`the text encoder left a bench record to the general path: ${line}`);
    chars += encoded.text.length;
    if (keep) texts.push(encoded.text);
  }
  return { texts, chars };
}

/** The scanner alone; returns the values' count. */
export function scanOnly(lines: readonly string[]): number {
  let n = 0;
  for (const line of lines) {
    const scan = scanRecordLine(line);
    if (scan === undefined) throw new Error(`the scanner left a bench record to JSON.parse: ${line}`);
    n += scan.literals.length;
  }
  return n;
}

/** The scanner and the lines built from its pieces. Returns each line's text (as parseAndEncode) and how many literals were copied. */
export function scanAndBuild(
  lines: readonly string[],
  keep: boolean,
): { texts: string[]; chars: number; copied: number; literals: number } {
  const texts: string[] = [];
  let chars = 0;
  let copied = 0;
  let literals = 0;
  for (const line of lines) {
    const scan = scanRecordLine(line);
    if (scan === undefined) throw new Error(`the scanner left a bench record to JSON.parse: ${line}`);
    let labels = "";
    for (let i = 0; i < scan.labelNames.length; i++) labels += `,${scan.labelNames[i]}="${scan.labelValues[i]}"`;
    if (scan.model_alias) labels += `,model_alias="${scan.model_alias}"`;
    if (scan.scheduler_alias) labels += `,scheduler_alias="${scan.scheduler_alias}"`;
    if (scan.preset) labels += `,preset="${scan.preset}"`;
    const head = `{${labels.slice(1)},for="${scan.query_key}"} `;
    const end = ` ${scan.timestampText}\n`;
    let text = "";
    for (let i = 0; i < scan.variables.length; i++) {
      const literal = scan.literals[i] as string;
      let value = canonicalNumberText(literal);
      if (value === undefined) value = `${Number(literal)}`;
      else copied++;
      literals++;
      text += scan.variables[i] + head + value + end;
    }
    chars += text.length;
    if (keep) texts.push(text);
  }
  return { texts, chars, copied, literals };
}
