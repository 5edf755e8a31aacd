import type { WriterConfig } from "@anomaly-writer/config";
import type { SendOptions } from "@anomaly-writer/delivery";
import { probeHealth, probeWrite, readTargetStartTime, type TargetStartTime } from "@anomaly-writer/healthcheck";
import { createTransport, redactUrl, TransportError, type AttemptInfo, type Transport } from "@anomaly-writer/transport";
import { readServerLimits, resolveFlagsUrl, type ServerLimits } from "../read-server-limits.ts";
import { resolveTransportOptions, resolveWriterEndpoints } from "../resolve-writer-options.ts";

/** How an HTTP sink is reached and what its requests carry. */
export interface HttpTargetOptions {
  readonly writer: WriterConfig;
  /** The import path: vm's (import_json_path or /api/v1/import) or remote write's /api/v1/write. */
  readonly importPath: { readonly importJsonPath?: string } | { readonly path: string };
  readonly requestOptions: { readonly contentType?: string; readonly headers?: Readonly<Record<string, string>> };
  /** Restarts can be seen on `{datasource_url}/metrics` (a VictoriaMetrics single node). */
  readonly startTimeOnMetrics: boolean;
  /** A transport to use instead of one made from the config (not closed by close()). */
  readonly transport?: Transport;
  readonly gzip?: boolean;
  /** Every attempt of a write (for the self-metrics and the queued delivery). */
  readonly onAttempt: (info: AttemptInfo) => void;
}

/** The HTTP side shared by the `vm` and `remote_write` sinks. */
export interface HttpTarget {
  readonly target: string;
  readonly importUrl: string;
  readonly healthUrl: string;
  readonly flagsUrl: string;
  send(body: Uint8Array, options: SendOptions): Promise<number>;
  isAlive(): Promise<boolean>;
  readStartTime?(): Promise<TargetStartTime>;
  readServerLimits(timeoutMs: number): Promise<ServerLimits>;
  probe(): ReturnType<typeof probeBoth>;
  close(): Promise<void>;
}

const PROBE_TIMEOUT_MS = 2000;

function probeBoth(transport: Transport, healthUrl: string, importUrl: string) {
  return Promise.all([probeHealth(transport, healthUrl), probeWrite(transport, importUrl)]).then(([health, write]) => ({ health, write }));
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
  const checkTransport = () => (checks ??= options.transport ?? createTransport({ ...resolveTransportOptions(writer), retry: { attempts: 1 } }));
  const metricsUrl = `${datasourceUrl.replace(/\/+$/, "")}/metrics`;
  return {
    target: redactUrl(endpoints.importUrl),
    importUrl: redactUrl(endpoints.importUrl),
    healthUrl: redactUrl(endpoints.healthUrl),
    flagsUrl: redactUrl(resolveFlagsUrl(datasourceUrl)),
    async send(body, send) {
      const response = await transport.post(endpoints.importUrl, body, {
        ...options.requestOptions,
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
          (error: unknown) => error instanceof TransportError && error.status !== undefined && ![502, 503, 504].includes(error.status),
        ),
    ...(options.startTimeOnMetrics ? { readStartTime: () => readTargetStartTime(checkTransport(), metricsUrl, PROBE_TIMEOUT_MS) } : {}),
    readServerLimits: (timeoutMs) => readServerLimits(checkTransport(), datasourceUrl, { timeoutMs }),
    probe: () => probeBoth(transport, endpoints.healthUrl, endpoints.importUrl),
    async close() {
      if (options.transport) return;
      await transport.close();
      await checks?.close();
    },
  };
}
