import { Counter, Gauge, Histogram, type Registry } from "prom-client";
import { HealthcheckError } from "./errors.ts";

/** The name, help and label names of one metric. */
export interface MetricDefinition<L extends string> {
  readonly name: string;
  readonly help: string;
  readonly labelNames?: readonly L[];
}

/**
 * Register a metric in `registry`, or return the one already there under that name (two writers,
 * or a writer and its ingest server, sharing one registry). The one way metrics are registered.
 */
function register<M, L extends string>(
  registry: Registry,
  kind: new (config: never) => M,
  definition: MetricDefinition<L>,
  create: () => M,
): M {
  const existing: unknown = registry.getSingleMetric(definition.name);
  if (existing === undefined) return create();
  if (existing instanceof kind) return existing as M;
  throw new HealthcheckError(
    "HEALTHCHECK_INVALID_OPTIONS",
    `the registry already holds a metric ${definition.name} of another type`,
  );
}

/** A counter in `registry` (reused when one of that name is there). */
export function registerCounter<L extends string = never>(
  registry: Registry,
  definition: MetricDefinition<L>,
): Counter<L> {
  return register(
    registry,
    Counter as never,
    definition,
    () => new Counter<L>({ ...definition, labelNames: definition.labelNames ?? [], registers: [registry] }),
  );
}

/** A gauge in `registry` (reused when one of that name is there); `collect` sets it when scraped. */
export function registerGauge<L extends string = never>(
  registry: Registry,
  definition: MetricDefinition<L> & { readonly collect?: (gauge: Gauge<L>) => void },
): Gauge<L> {
  const { collect, ...rest } = definition;
  return register(
    registry,
    Gauge as never,
    definition,
    () =>
      new Gauge<L>({
        ...rest,
        labelNames: definition.labelNames ?? [],
        registers: [registry],
        ...(collect
          ? {
              collect(this: Gauge<L>) {
                collect(this);
              },
            }
          : {}),
      }),
  );
}

/** A histogram in `registry` (reused when one of that name is there). */
export function registerHistogram<L extends string = never>(
  registry: Registry,
  definition: MetricDefinition<L> & { readonly buckets: readonly number[] },
): Histogram<L> {
  return register(
    registry,
    Histogram as never,
    definition,
    () =>
      new Histogram<L>({
        ...definition,
        labelNames: definition.labelNames ?? [],
        buckets: [...definition.buckets],
        registers: [registry],
      }),
  );
}
