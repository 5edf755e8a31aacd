import * as v from "valibot";
import { ByteSizeSchema } from "./byte-size-schema.ts";
import { crossCheck } from "./cross-check.ts";
import { createFileOutputSchema, type FileOutputConfig } from "./file-output-schema.ts";
import {
  createHttpClientChecks,
  createHttpClientEntries,
  type HttpClientConfig,
  resolveHttpClientConfig,
} from "./http-client-schema.ts";
import { HttpUrlSchema } from "./http-url-schema.ts";
import { LabelMapSchema } from "./label-map-schema.ts";
import { createLimitsSchema, type WriterLimitsConfig } from "./limits-schema.ts";
import { createQueueSchema, type QueueConfig } from "./queue-schema.ts";
import { integerSchema, isMapping, scalarField, sectionGuard, sectionMessage, TextSchema } from "./scalar-field.ts";
import type { SchemaContext } from "./schema-context.ts";
import { TenantIdSchema } from "./tenant-id-schema.ts";
import { warnAboutInsertPath } from "./warn-about-insert-path.ts";

/** Writer classes: what the user may write → what we run. */
const WRITER_CLASSES: Readonly<Record<string, WriterConfig["class"]>> = {
  vm: "vm",
  "writer.vm.VmWriter": "vm",
  noop: "noop",
  "writer.noop.NoOpWriter": "noop",
  remote_write: "remote_write",
  file: "file",
};
const ALLOWED_CLASSES = Object.keys(WRITER_CLASSES)
  .map((name) => `"${name}"`)
  .join(", ");

export const DEFAULT_METRIC_FORMAT: Readonly<Record<string, string>> = Object.freeze({
  __name__: "$VAR",
  for: "$QUERY_KEY",
});
export const DEFAULT_HEALTH_PATH = "health";
/** `batch_max_bytes` default: the request size our benchmarks measured best (bench/ANALYSIS.md). */
export const DEFAULT_BATCH_MAX_BYTES = 4 * 1024 * 1024;
/** `metric_prefix_cache_max_entries` default: series prefixes kept across inferences. */
export const DEFAULT_METRIC_PREFIX_CACHE_MAX_ENTRIES = 100_000;

/** The resolved `writer:` section. */
export interface WriterConfig extends HttpClientConfig {
  /** `vm` (also written `writer.vm.VmWriter`) or `noop` (also `writer.noop.NoOpWriter`). */
  readonly class: "vm" | "noop" | "remote_write" | "file";
  /** Base URL without trailing slash; always set for `vm`. */
  readonly datasourceUrl?: string;
  /** `"A:P"` or `"multitenant"`. */
  readonly tenantId?: string;
  /** Label name → template (`$VAR`, `$QUERY_KEY`); has `__name__` (with `$VAR`) and `for`. */
  readonly metricFormat: Readonly<Record<string, string>>;
  /** Deprecated (vmanomaly 1.19.2) but honoured: replaces the import path. */
  readonly importJsonPath?: string;
  /** Relative, absolute path or full URL; default `health`. */
  readonly healthPath: string;
  /** Attempts after connection-level failures; default 1. */
  readonly connectionRetryAttempts: number;
  /** Ours: the durable queue (at-least-once delivery), when configured. */
  readonly queue?: QueueConfig;
  /** Ours: where `class: file` writes (required for that class). */
  readonly file?: FileOutputConfig;
  /** Ours: what is refused before sending (timestamps, label limits, record size); `{}` when absent. */
  readonly limits: WriterLimitsConfig;
  /** vmanomaly 1.30.3: at most this many series in one request; unset = bounded by bytes only. */
  readonly batchMaxSeries?: number;
  /** vmanomaly 1.30.3: at most this many (uncompressed) bytes in one request; default 4 MiB. */
  readonly batchMaxBytes: number;
  /** vmanomaly 1.30.3: series prefixes cached across inferences; 0 switches the cache off. */
  readonly metricPrefixCacheMaxEntries: number;
  /**
   * Ours (`wire_format`), class vm: `auto` (default) sends single-point series as Prometheus text to
   * `/api/v1/import/prometheus` (cheaper for VictoriaMetrics) and the rest as JSON lines to
   * `/api/v1/import`; `json` sends everything as JSON lines, for receivers that take only
   * `/api/v1/import`. With `import_json_path`, always JSON lines.
   */
  readonly wireFormat: "auto" | "json";
}

const ClassSchema = scalarField((value, report): WriterConfig["class"] => {
  const resolved = typeof value === "string" ? WRITER_CLASSES[value.trim()] : undefined;
  if (resolved !== undefined) return resolved;
  const shown = typeof value === "string" ? `"${value}"` : JSON.stringify(value);
  report(`${shown} is not a supported writer class; allowed: ${ALLOWED_CLASSES}`);
  return "vm";
});

const WIRE_FORMATS: readonly WriterConfig["wireFormat"][] = ["auto", "json"];

const WireFormatSchema = scalarField((value, report): WriterConfig["wireFormat"] => {
  const found = WIRE_FORMATS.find((format) => format === (typeof value === "string" ? value.trim() : value));
  if (found !== undefined) return found;
  report(
    `${typeof value === "string" ? `"${value}"` : JSON.stringify(value)} is not a wire format; allowed: "auto", "json"`,
  );
  return "auto";
});

const MetricFormatSchema = v.pipe(
  LabelMapSchema,
  v.rawCheck(({ dataset, addIssue }) => {
    const format = dataset.value;
    if (!isMapping(format)) return;
    const at = (key: string) =>
      [{ type: "object" as const, origin: "value" as const, input: format, key, value: format[key] }] as const;
    const name = format.__name__;
    if (name === undefined) {
      addIssue({
        message: 'must have a __name__ key containing $VAR (e.g. __name__: "$VAR")',
        path: [...at("__name__")],
      });
    } else if (typeof name === "string" && !name.includes("$VAR")) {
      addIssue({
        message: `must contain $VAR (one series per model output), got "${name}"`,
        path: [...at("__name__")],
      });
    }
    if (format.for === undefined) {
      addIssue({ message: 'must have a for key (e.g. for: "$QUERY_KEY")', path: [...at("for")] });
    }
  }),
);

/** The `writer:` section. `context` resolves file paths and collects warnings. */
export function createWriterSchema(context: SchemaContext) {
  const entries = {
    class: ClassSchema,
    datasource_url: HttpUrlSchema,
    tenant_id: TenantIdSchema,
    metric_format: MetricFormatSchema,
    import_json_path: TextSchema,
    health_path: TextSchema,
    connection_retry_attempts: integerSchema(1),
    queue: v.optional(createQueueSchema(context)),
    file: v.optional(createFileOutputSchema(context)),
    limits: v.optional(v.nullable(createLimitsSchema(), {}), {}),
    batch_max_series: integerSchema(1),
    batch_max_bytes: ByteSizeSchema,
    metric_prefix_cache_max_entries: integerSchema(0),
    wire_format: WireFormatSchema,
    ...createHttpClientEntries(context),
  };
  type WriterInput = v.InferOutput<v.ObjectSchema<typeof entries, undefined>>;
  return v.pipe(
    sectionGuard(),
    v.object(entries, sectionMessage),
    crossCheck<WriterInput>(["class", "datasource_url"], (w, report) => {
      const writerClass = w.class ?? "vm";
      if ((writerClass === "vm" || writerClass === "remote_write") && w.datasource_url === undefined) {
        report("datasource_url", `is required for class "${writerClass}" (missing or empty): set the URL to write to`);
      }
    }),
    crossCheck<WriterInput>(["class", "file"], (w, report) => {
      if (w.class === "file" && w.file === undefined)
        report("file", 'is required for class "file": set file.path (and optionally max_size, max_files, fsync)');
    }),
    ...createHttpClientChecks<WriterInput>(context),
    v.transform((w): WriterConfig => {
      const writerClass = w.class ?? "vm";
      if (w.import_json_path !== undefined) {
        context.warn({
          path: ["writer", "import_json_path"],
          kind: "deprecated",
          message: "is deprecated since vmanomaly 1.19.2; it is still honoured",
          preferKey: true,
        });
      }
      if ((writerClass === "vm" || writerClass === "remote_write") && w.datasource_url !== undefined) {
        warnAboutInsertPath(context, ["writer"], "datasource_url", w.datasource_url, w.tenant_id);
      }
      return {
        class: writerClass,
        ...(w.datasource_url !== undefined && { datasourceUrl: w.datasource_url }),
        ...(w.tenant_id !== undefined && { tenantId: w.tenant_id }),
        metricFormat: w.metric_format ?? { ...DEFAULT_METRIC_FORMAT },
        ...(w.import_json_path !== undefined && { importJsonPath: w.import_json_path }),
        healthPath: w.health_path ?? DEFAULT_HEALTH_PATH,
        connectionRetryAttempts: w.connection_retry_attempts ?? 1,
        ...(w.queue !== undefined && { queue: w.queue }),
        ...(w.file !== undefined && { file: w.file }),
        limits: w.limits,
        ...(w.batch_max_series !== undefined && { batchMaxSeries: w.batch_max_series }),
        batchMaxBytes: w.batch_max_bytes ?? DEFAULT_BATCH_MAX_BYTES,
        metricPrefixCacheMaxEntries: w.metric_prefix_cache_max_entries ?? DEFAULT_METRIC_PREFIX_CACHE_MAX_ENTRIES,
        wireFormat: w.wire_format ?? "auto",
        ...resolveHttpClientConfig(w, context, ["writer"]),
      };
    }),
  );
}
