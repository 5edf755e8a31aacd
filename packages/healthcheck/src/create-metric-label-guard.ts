/** The value that stands for every client-sent label value beyond the bounds. */
export const OVERFLOW_LABEL_VALUE = "__other__";

/** The labels of the writer metrics that come from the records (the client), not from the config. */
export interface ClientLabels {
  readonly query_key: string;
  readonly scheduler_alias: string;
  readonly preset: string;
}

/** Options of {@link createMetricLabelGuard}. */
export interface MetricLabelGuardOptions {
  /** Query keys always kept as they are (`reader.queries` of the config); they do not count towards the bound. */
  readonly knownQueryKeys?: Iterable<string>;
  /** Distinct values kept per label besides the known ones. Default 100. */
  readonly maxValuesPerLabel?: number;
  /** Longer values become the overflow value (unless known). Default 128 characters. */
  readonly maxValueLength?: number;
  /** Distinct (query_key, scheduler_alias, preset) combinations kept. Default 1000. */
  readonly maxCombinations?: number;
}

const NAMES = ["query_key", "scheduler_alias", "preset"] as const;

/**
 * Bound the label values clients can create in the self-metrics: the known query keys, then the
 * first `maxValuesPerLabel` other values of each label and the first `maxCombinations`
 * combinations; everything beyond is counted under `__other__`. `""` (absent) is always kept.
 */
export function createMetricLabelGuard(options: MetricLabelGuardOptions = {}): (labels: ClientLabels) => ClientLabels {
  const known = new Set(options.knownQueryKeys ?? []);
  const maxValues = options.maxValuesPerLabel ?? 100;
  const maxLength = options.maxValueLength ?? 128;
  const maxCombinations = options.maxCombinations ?? 1000;
  const seen = { query_key: new Set<string>(), scheduler_alias: new Set<string>(), preset: new Set<string>() };
  const combinations = new Map<string, ClientLabels>();
  const overflow: ClientLabels = {
    query_key: OVERFLOW_LABEL_VALUE,
    scheduler_alias: OVERFLOW_LABEL_VALUE,
    preset: OVERFLOW_LABEL_VALUE,
  };

  const bound = (name: (typeof NAMES)[number], value: string): string => {
    if (value === "" || (name === "query_key" && known.has(value))) return value;
    const values = seen[name];
    if (values.has(value)) return value;
    if (value.length > maxLength || values.size >= maxValues) return OVERFLOW_LABEL_VALUE;
    values.add(value);
    return value;
  };

  return (labels) => {
    const bounded: ClientLabels = {
      query_key: bound("query_key", labels.query_key),
      scheduler_alias: bound("scheduler_alias", labels.scheduler_alias),
      preset: bound("preset", labels.preset),
    };
    // Keys of bounded values only (each at most maxLength characters, or known): memory stays bounded.
    const key = `${bounded.query_key.length}:${bounded.query_key}${bounded.scheduler_alias.length}:${bounded.scheduler_alias}${bounded.preset}`;
    const found = combinations.get(key);
    if (found !== undefined) return found;
    if (combinations.size >= maxCombinations) return overflow;
    combinations.set(key, bounded);
    return bounded;
  };
}
