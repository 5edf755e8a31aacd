import type { WriterConfig } from "@anomaly-writer/config";
import type { SendOptions } from "@anomaly-writer/delivery";
import {
  type ProbeResult,
  probeHealth,
  probeWrite,
  readTargetStartTime,
  type TargetStartTime,
} from "@anomaly-writer/healthcheck";
import {
  type AttemptInfo,
  createTransport,
  redactUrl,
  type Transport,
  TransportError,
} from "@anomaly-writer/transport";
import { readServerLimits, resolveFlagsUrl, type ServerLimits } from "../read-server-limits.ts";
import { resolveTransportOptions, resolveWriterEndpoints } from "../resolve-writer-options.ts";

/** How an HTTP sink is reached and what its requests carry. */
export interface HttpTargetOptions {
  readonly writer: WriterConfig;
  /** The import path: vm's (import_json_path or /api/v1/import) or remote write's /api/v1/write. */
  readonly importPath: { readonly importJsonPath?: string } | { readonly path: string };
  readonly requestOptions: { readonly contentType?: string; readonly headers?: Readonly<Record<string, string>> };
  /** Other body formats it takes, each to its own path (under the same tenant prefix): vm's `prometheus` text and `remote_write`. */
  readonly otherFormats?: Readonly<Record<string, OtherFormat>>;
  /** Restarts can be seen on `{datasource_url}/metrics` (a VictoriaMetrics single node). */
  readonly startTimeOnMetrics: boolean;
  /** A transport to use instead of one made from the config (not closed by close()). */
  readonly transport?: Transport;
  readonly gzip?: boolean;
  /** Every attempt of a write (for the self-metrics and the queued delivery). */
  readonly onAttempt: (info: AttemptInfo) => void;
}

/** A body format besides the sink's own, sent to its own path. */
export interface OtherFormat {
  readonly path: string;
  readonly contentType: string;
  readonly headers?: Readonly<Record<string, string>>;
  /** The request body of a queued or batched body (remote write: the snappy framing). */
  readonly frame?: (body: Uint8Array) => Uint8Array;
  /** An empty write in this format, for the probe. Default "". */
  readonly emptyBody?: Uint8Array;
}

/** The HTTP side shared by the `vm` and `remote_write` sinks. */
export interface HttpTarget {
  readonly target: string;
  readonly importUrl: string;
  readonly healthUrl: string;
  readonly flagsUrl: string;
  /** The import URL of each other format (credentials redacted). */
  readonly formatUrls: Readonly<Record<string, string>>;
  send(body: Uint8Array, options: SendOptions): Promise<number>;
  isAlive(): Promise<boolean>;
  readStartTime?(): Promise<TargetStartTime>;
  readServerLimits(timeoutMs: number): Promise<ServerLimits>;
  probe(): ReturnType<typeof probeAll>;
  close(): Promise<void>;
}

const PROBE_TIMEOUT_MS = 2000;

/** Probe the health URL and every import URL: the write probe is the first that fails, else the main one. */
async function probeAll(
  transport: Transport,
  healthUrl: string,
  importUrl: string,
  others: readonly { readonly format: string; readonly url: string; readonly spec: OtherFormat }[],
) {
  const [health, write, ...rest] = await Promise.all([
    probeHealth(transport, healthUrl),
    probeWrite(transport, importUrl),
    ...others.map((o) =>
      probeWrite(transport, o.url, {
        contentType: o.spec.contentType,
        ...(o.spec.emptyBody !== undefined ? { body: o.spec.emptyBody } : {}),
        ...(o.spec.headers !== undefined ? { headers: o.spec.headers } : {}),
      }),
    ),
  ]);
  const failed = rest.findIndex((result) => !result.ok);
  if (write.ok && failed >= 0) {
    const other = rest[failed] as ProbeResult;
    const format = others[failed]?.format ?? "";
    return {
      health,
      write: {
        ...other,
        reason: `${other.reason} (${format} bodies go there; set writer.wire_format: json to send JSON lines only)`,
      },
    };
  }
  return { health, write };
}

/** Create the transport (unless given), the URLs and the checks of an HTTP sink. */
export function createHttpTarget(options: HttpTargetOptions): HttpTarget {
  const { writer } = options;
  const datasourceUrl = writer.datasourceUrl ?? "";
  const endpoints = resolveWriterEndpoints(writer, options.importPath);
  const transport =
    options.transport ??
    createTransport({
      ...resolveTransportOptions(writer),
      // connection_retry_attempts counts retries after the first attempt (vmanomaly 1.29.2).
      retry: { attempts: writer.connectionRetryAttempts + 1 },
      ...(options.gzip ? { gzip: true } : {}),
      hooks: { onAttempt: options.onAttempt },
    });
  // Health, /metrics and /flags checks are not writes: a transport without the metrics hook.
  let checks: Transport | undefined;
  const checkTransport = () =>
    (checks ??= options.transport ?? createTransport({ ...resolveTransportOptions(writer), retry: { attempts: 1 } }));
  const metricsUrl = `${datasourceUrl.replace(/\/+$/, "")}/metrics`;
  const others = Object.entries(options.otherFormats ?? {}).map(([format, spec]) => ({
    format,
    spec,
    url: resolveWriterEndpoints(writer, { path: spec.path }).importUrl,
    requestOptions: {
      ...options.requestOptions,
      contentType: spec.contentType,
      ...(spec.headers !== undefined ? { headers: { ...options.requestOptions.headers, ...spec.headers } } : {}),
    },
  }));
  const byFormat = new Map(others.map((other) => [other.format, other]));
  return {
    target: redactUrl(endpoints.importUrl),
    importUrl: redactUrl(endpoints.importUrl),
    healthUrl: redactUrl(endpoints.healthUrl),
    flagsUrl: redactUrl(resolveFlagsUrl(datasourceUrl)),
    formatUrls: Object.fromEntries(others.map((other) => [other.format, redactUrl(other.url)])),
    async send(body, send) {
      const other = send.format === undefined ? undefined : byFormat.get(send.format);
      const payload = other?.spec.frame ? other.spec.frame(body) : body;
      const response = await transport.post(other?.url ?? endpoints.importUrl, payload, {
        ...(other?.requestOptions ?? options.requestOptions),
        context: send.context,
        ...(send.signal !== undefined ? { signal: send.signal } : {}),
        ...(send.attempts !== undefined ? { retry: { attempts: send.attempts } } : {}),
      });
      return response.bytesSent;
    },
    // Alive when it answers at all (a 404 or 401 too: a Prometheus has no /health), down when the
    // connection fails or a proxy says its upstream is (502/503/504).
    isAlive: () =>
      checkTransport()
        .get(endpoints.healthUrl, { timeoutMs: PROBE_TIMEOUT_MS, retry: { attempts: 1 } })
        .then(
          () => true,
          (error: unknown) =>
            error instanceof TransportError && error.status !== undefined && ![502, 503, 504].includes(error.status),
        ),
    ...(options.startTimeOnMetrics
      ? { readStartTime: () => readTargetStartTime(checkTransport(), metricsUrl, PROBE_TIMEOUT_MS) }
      : {}),
    readServerLimits: (timeoutMs) => readServerLimits(checkTransport(), datasourceUrl, { timeoutMs }),
    probe: () => probeAll(transport, endpoints.healthUrl, endpoints.importUrl, others),
    async close() {
      if (options.transport) return;
      await transport.close();
      await checks?.close();
    },
  };
}
