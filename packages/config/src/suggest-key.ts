const normalise = (key: string) => key.toLowerCase().replace(/[^a-z0-9]/g, "");

function distance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + cost);
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

/**
 * The known key that `key` was probably meant to be: same letters ignoring case and `_`/`-`
 * (`datasourceURL` → `datasource_url`), or within a small edit distance (`verify_ssl` → `verify_tls`).
 */
export function suggestKey(key: string, known: readonly string[]): string | undefined {
  const wanted = normalise(key);
  if (wanted === "") return undefined;
  const same = known.find((candidate) => candidate !== key && normalise(candidate) === wanted);
  if (same !== undefined) return same;
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of known) {
    if (candidate === key) continue;
    const d = distance(wanted, normalise(candidate));
    const limit = Math.max(1, Math.floor(Math.min(wanted.length, normalise(candidate).length) / 3));
    if (d <= limit && d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}
