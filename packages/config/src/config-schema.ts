import * as v from "valibot";
import { createIngestServerSchema, type IngestServerConfig } from "./ingest-server-schema.ts";
import { createMonitoringSchema, type MonitoringConfig } from "./monitoring-schema.ts";
import { describeValue, isMapping, sectionGuard } from "./scalar-field.ts";
import type { SchemaContext } from "./schema-context.ts";
import { suggestKey } from "./suggest-key.ts";
import { createWriterSchema, type WriterConfig } from "./writer-schema.ts";

/** What the schema resolves; `parseConfig` adds `warnings` and `source`. */
export interface ResolvedSections {
  readonly writer: WriterConfig;
  readonly monitoring: MonitoringConfig;
  /** `ingest_server:` (ours, for `anomaly-writer serve`); all defaults when the section is absent. */
  readonly ingestServer: IngestServerConfig;
  readonly queryKeys?: readonly string[];
}

function rootMessage(issue: v.LooseObjectIssue): string {
  const key = issue.path?.[0]?.key;
  if (issue.input === undefined && typeof key === "string") {
    const input: unknown = issue.path?.[0]?.input;
    const near = isMapping(input) ? suggestKey(key, Object.keys(input)) : undefined;
    return `is required: the config has no ${key}: section${near === undefined ? "" : ` (found \`${near}\`; is it misspelt?)`}`;
  }
  return `must be a mapping, got ${describeValue(issue.input)}`;
}

/**
 * The whole config file. `writer`, `monitoring` and `ingest_server` (ours) are validated; `reader.queries` keys are kept;
 * other top-level sections (reader, models, schedulers, settings, server, preset...) are ignored.
 * Sections are `v.object` (unknown keys warn); the root and `reader` are `v.looseObject` (no warnings).
 */
export function createConfigSchema(context: SchemaContext) {
  return v.pipe(
    sectionGuard(),
    v.looseObject(
      {
        writer: v.nullable(createWriterSchema(context), {}),
        monitoring: v.optional(v.nullable(createMonitoringSchema(context), {}), {}),
        ingest_server: v.optional(v.nullable(createIngestServerSchema(context), {}), {}),
        reader: v.optional(v.unknown()),
      },
      rootMessage,
    ),
    v.transform((root): ResolvedSections => {
      const queries = isMapping(root.reader) ? root.reader.queries : undefined;
      return {
        writer: root.writer,
        monitoring: root.monitoring,
        ingestServer: root.ingest_server,
        ...(isMapping(queries) && { queryKeys: Object.keys(queries) }),
      };
    }),
  );
}
