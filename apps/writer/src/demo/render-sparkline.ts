const BARS = "▁▂▃▄▅▆▇█";

/** A one-line chart: `values` squeezed into `width` buckets (max per bucket), scaled 0..`top`. */
export function renderSparkline(values: readonly number[], width: number, top: number): string {
  if (values.length === 0) return "";
  const buckets = Math.min(width, values.length);
  let out = "";
  for (let b = 0; b < buckets; b++) {
    const from = Math.floor((b * values.length) / buckets);
    const to = Math.max(from + 1, Math.floor(((b + 1) * values.length) / buckets));
    let max = 0;
    for (let i = from; i < to; i++) max = Math.max(max, values[i] ?? 0);
    const level = Math.min(BARS.length - 1, Math.floor((max / top) * (BARS.length - 1)));
    out += BARS[Math.max(0, level)];
  }
  return out;
}

/** Render rows as an aligned text table. */
export function renderTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => [...(r[c] ?? "")].length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, c) => cell + " ".repeat(Math.max(0, (widths[c] ?? 0) - [...cell].length)))
      .join("  ")
      .trimEnd();
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}
