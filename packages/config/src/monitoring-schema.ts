import * as v from "valibot";
import { crossCheck } from "./cross-check.ts";
import { DurationSchema } from "./duration-schema.ts";
import {
  createHttpClientChecks,
  createHttpClientEntries,
  type HttpClientConfig,
  resolveHttpClientConfig,
} from "./http-client-schema.ts";
import { HttpUrlSchema } from "./http-url-schema.ts";
import { LabelMapSchema } from "./label-map-schema.ts";
import { PortSchema } from "./port-schema.ts";
import { sectionGuard, sectionMessage, TextSchema } from "./scalar-field.ts";
import type { SchemaContext } from "./schema-context.ts";
import { TenantIdSchema } from "./tenant-id-schema.ts";
import { warnAboutInsertPath } from "./warn-about-insert-path.ts";

/** `monitoring.pull`: serve `/metrics` on addr:port. */
export interface PullConfig {
  /** Default `0.0.0.0`. */
  readonly addr: string;
  /** Default 8080. */
  readonly port: number;
}

/** `monitoring.push`: push self-metrics to VictoriaMetrics. */
export interface PushConfig extends HttpClientConfig {
  /** Base URL without trailing slash. */
  readonly url: string;
  readonly tenantId?: string;
  /** Default 15 minutes. */
  readonly pushFrequencyMs: number;
  /** Labels added to every pushed series (override the defaults `job`, `instance`). */
  readonly extraLabels: Readonly<Record<string, string>>;
}

/** The resolved `monitoring:` section; `pull` / `push` are present only when configured. */
export interface MonitoringConfig {
  readonly pull?: PullConfig;
  readonly push?: PushConfig;
}

export const DEFAULT_PULL_ADDR = "0.0.0.0";
export const DEFAULT_PULL_PORT = 8080;
export const DEFAULT_PUSH_FREQUENCY_MS = 15 * 60_000;

/** The `monitoring.pull` section. */
export const PullSchema = v.pipe(
  sectionGuard(),
  v.object({ addr: TextSchema, port: PortSchema }, sectionMessage),
  v.transform((p): PullConfig => ({ addr: p.addr ?? DEFAULT_PULL_ADDR, port: p.port ?? DEFAULT_PULL_PORT })),
);

/** The `monitoring.push` section. */
export function createPushSchema(context: SchemaContext) {
  const entries = {
    url: HttpUrlSchema,
    tenant_id: TenantIdSchema,
    push_frequency: DurationSchema,
    extra_labels: LabelMapSchema,
    ...createHttpClientEntries(context),
  };
  type PushInput = v.InferOutput<v.ObjectSchema<typeof entries, undefined>>;
  return v.pipe(
    sectionGuard(),
    v.object(entries, sectionMessage),
    crossCheck<PushInput>(["url"], (p, report) => {
      if (p.url === undefined) report("url", "is required when monitoring.push is present (missing or empty)");
    }),
    ...createHttpClientChecks<PushInput>(context),
    v.transform((p): PushConfig => {
      const url = p.url ?? "";
      warnAboutInsertPath(context, ["monitoring", "push"], "url", url, p.tenant_id);
      return {
        url,
        ...(p.tenant_id !== undefined && { tenantId: p.tenant_id }),
        pushFrequencyMs: p.push_frequency ?? DEFAULT_PUSH_FREQUENCY_MS,
        extraLabels: p.extra_labels ?? {},
        ...resolveHttpClientConfig(p, context, ["monitoring", "push"]),
      };
    }),
  );
}

/** The `monitoring:` section. A section written with nothing under it (`pull:`) means its defaults. */
export function createMonitoringSchema(context: SchemaContext) {
  return v.pipe(
    sectionGuard(),
    v.object(
      {
        pull: v.optional(v.nullable(PullSchema, {})),
        push: v.optional(v.nullable(createPushSchema(context), {})),
      },
      sectionMessage,
    ),
    v.transform(
      (m): MonitoringConfig => ({
        ...(m.pull !== undefined && { pull: m.pull }),
        ...(m.push !== undefined && { push: m.push }),
      }),
    ),
  );
}
