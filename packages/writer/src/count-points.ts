/** Points in an unparseable-but-object record, for the drop counts. */
export function countRawPoints(value: unknown): number {
  if (typeof value !== "object" || value === null) return 0;
  const outputs = (value as { outputs?: unknown }).outputs;
  if (typeof outputs !== "object" || outputs === null) return 0;
  let n = 0;
  for (const values of Object.values(outputs)) if (Array.isArray(values)) n += values.length;
  return n;
}

/** Datapoints in one encoded line: its timestamps are integers, so commas + 1. */
export function countLinePoints(line: string): number {
  const start = line.lastIndexOf('"timestamps":[');
  if (start === -1) return 0;
  let n = 1;
  for (let i = start + 14; i < line.length && line.charCodeAt(i) !== 93; i++) if (line.charCodeAt(i) === 44) n++;
  return n;
}

/** Distinct series among encoded lines: a split series repeats its `{"metric":...}` prefix. */
export function countDistinctSeries(lines: readonly string[]): number {
  const prefixes = new Set<string>();
  for (const line of lines) prefixes.add(line.slice(0, line.indexOf(',"values":[')));
  return prefixes.size;
}
