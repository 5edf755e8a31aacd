import type { ModelOutputRecord } from "../types.ts";

/** Lone surrogates as a UTF-8 encoder sends them: U+FFFD. Independent of the package's code. */
function wellFormed(text: string): string {
  let out = "";
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code >= 0xd800 && code <= 0xdbff) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        out += text.slice(i, i + 2);
        i++;
      } else out += "\ufffd";
    } else if (code >= 0xdc00 && code <= 0xdfff) out += "\ufffd";
    else out += text[i];
  }
  return out;
}

/**
 * The label set the spec (§3) asks for, computed the plain way for tests: input labels, then the
 * aliases, then metric_format with every `$VAR`/`$QUERY_KEY` replaced; a later source wins;
 * empty values are left out, as VictoriaMetrics drops them.
 */
export function expectedLabels(
  record: ModelOutputRecord,
  variable: string,
  metricFormat: Readonly<Record<string, string>>,
): Record<string, string> {
  const merged = new Map<string, string>();
  for (const [name, value] of Object.entries(record.labels)) merged.set(wellFormed(name), wellFormed(value));
  for (const alias of ["model_alias", "scheduler_alias", "preset"] as const) {
    const value = record[alias];
    if (value !== undefined) merged.set(alias, wellFormed(value));
  }
  for (const [name, template] of Object.entries(metricFormat)) {
    const value = template.replace(/\$(VAR|QUERY_KEY)/g, (_, which: string) =>
      which === "VAR" ? variable : record.query_key,
    );
    merged.set(wellFormed(name), wellFormed(value));
  }
  return Object.fromEntries([...merged].filter(([, value]) => value !== ""));
}
