/**
 * The metric_format pieces of a template path per (query key, output variable), made once each by
 * `make` (null: this pair needs the general path). Bounded: beyond 10,000 query keys it starts over.
 */
export function createPiecesCache<T>(
  make: (queryKey: string, variable: string) => T | null,
): (queryKey: string, variable: string) => T | null {
  const byQuery = new Map<string, Map<string, T | null>>();
  return (queryKey, variable) => {
    let byVariable = byQuery.get(queryKey);
    if (byVariable === undefined) {
      if (byQuery.size > 10_000) byQuery.clear();
      byVariable = new Map();
      byQuery.set(queryKey, byVariable);
    }
    let found = byVariable.get(variable);
    if (found === undefined) {
      found = make(queryKey, variable);
      byVariable.set(variable, found);
    }
    return found;
  };
}
