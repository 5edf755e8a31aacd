const NEEDS_ESCAPE = /[\\"\n]/;
const ESCAPED = /[\\"\n]/g;

/**
 * A label value as Prometheus text carries it inside double quotes: backslash, double quote and
 * line feed escaped (`\\`, `\"`, `\n`); every other character as it is (VictoriaMetrics reads
 * tabs, carriage returns and NUL inside quotes as given, measured on 1.79).
 */
export function escapeLabelValue(value: string): string {
  return NEEDS_ESCAPE.test(value) ? value.replace(ESCAPED, (c) => (c === "\n" ? "\\n" : `\\${c}`)) : value;
}
