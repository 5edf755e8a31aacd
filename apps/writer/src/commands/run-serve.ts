import { hostname } from "node:os";
import { createMetricsPusher, startMetricsServer } from "@anomaly-writer/healthcheck";
import { IngestServerError, resolveIngestServerOptions, startIngestServer } from "@anomaly-writer/ingest-server";
import { createTransport } from "@anomaly-writer/transport";
import { createVmWriter, resolveTransportOptions } from "@anomaly-writer/writer";
import type { ConsolaInstance } from "consola";
import { EXIT_OK, UsageError } from "../exit-codes.ts";
import { loadRunnerConfig } from "../load-runner-config.ts";
import { createConfigReloader } from "./create-config-reloader.ts";

export interface RunServeOptions {
  config: string | undefined;
  /** `HOST:PORT`; overrides `ingest_server.listen` (default `127.0.0.1:8490`). */
  listen: string | undefined;
  env: Record<string, string | undefined>;
  logger: ConsolaInstance;
  /** Resolves when the process is asked to stop (SIGTERM/SIGINT). */
  stopSignal: Promise<string>;
  /** Registers the reload request (SIGHUP): the config file is loaded again and applied. */
  onReload?: (reload: () => void) => void;
  /** Also reload when the config file changes (vmanomaly's `--watch`). */
  watch?: boolean;
}

/** Parse `HOST:PORT` (IPv6 as `[::1]:8490`). */
export function parseListen(text: string): { host: string; port: number } {
  const match = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(text);
  const port = Number(match?.[3]);
  if (!match || port > 65535) throw new UsageError(`--listen must be HOST:PORT (e.g. 127.0.0.1:8490), not "${text}"`);
  return { host: match[1] ?? (match[2] || "127.0.0.1"), port };
}

/** `anomaly-writer serve`: the HTTP ingest API, /metrics and /health, until SIGTERM/SIGINT. */
export async function runServe(options: RunServeOptions): Promise<number> {
  const { logger } = options;
  const config = await loadRunnerConfig(options.config, options.env, logger);
  const listen = options.listen === undefined ? config.ingestServer.listen : parseListen(options.listen);
  const writer = createVmWriter(config, { logger });
  // A queue directory another process holds: refuse to start. A damaged queue: serve, with
  // /health answering 503 and the reason, so that it is seen rather than silently stopped.
  await writer.ready().catch(async (error: unknown) => {
    if ((error as { code?: unknown }).code === "QUEUE_LOCKED") {
      await writer.close();
      throw error;
    }
    logger.error(
      `${error instanceof Error ? error.message : String(error)}; /health answers 503 until this is fixed and serve restarted`,
    );
  });
  // ingest_server: auth, TLS, limits, access log; warns when bound beyond loopback without auth.
  const ingest = await startIngestServer(writer, {
    ...resolveIngestServerOptions(config.ingestServer),
    host: listen.host,
    port: listen.port,
    logger,
  }).catch(async (error: unknown) => {
    await writer.close();
    const code = (error as NodeJS.ErrnoException).code;
    const where = `${listen.host.includes(":") ? `[${listen.host}]` : listen.host}:${listen.port}`;
    if (code === "EADDRINUSE") throw new UsageError(`cannot listen on ${where}: address already in use`);
    if (code === "EACCES" || code === "EADDRNOTAVAIL") throw new UsageError(`cannot listen on ${where}: ${code}`);
    if (error instanceof IngestServerError) throw new UsageError(error.message);
    throw error;
  });
  const reloader = createConfigReloader({
    path: options.config ?? "",
    env: options.env,
    logger,
    ingest,
    config,
    writer,
  });
  options.onReload?.(() => void reloader.reload("SIGHUP"));
  if (options.watch) {
    reloader.watch();
    logger.info(`watching ${options.config} for changes`);
  }
  const url = ingest.url;
  logger.info(
    `serving POST ${url}/api/v1/outputs, GET ${url}/metrics, GET ${url}/health -> ${writer.importUrl ?? "noop"}`,
  );

  const pull = config.monitoring.pull
    ? await startMetricsServer({
        registry: writer.metrics.registry,
        host: config.monitoring.pull.addr,
        port: config.monitoring.pull.port,
      })
    : undefined;
  if (pull) logger.info(`monitoring.pull: metrics on ${pull.url}/metrics`);
  const push = config.monitoring.push;
  const pushTransport = push ? createTransport(resolveTransportOptions(push)) : undefined;
  const pusher =
    push && pushTransport
      ? createMetricsPusher({
          registry: writer.metrics.registry,
          transport: pushTransport,
          url: push.url,
          ...(push.tenantId !== undefined ? { tenantId: push.tenantId } : {}),
          frequencyMs: push.pushFrequencyMs,
          extraLabels: push.extraLabels,
          instance: `${hostname()}:${ingest.port}`,
          onError: (error) =>
            logger.warn(`monitoring.push failed: ${error instanceof Error ? error.message : String(error)}`),
        })
      : undefined;
  pusher?.start();

  const signal = await options.stopSignal;
  logger.info(`${signal}: stopping (no new requests; finishing writes in flight)`);
  reloader.stop();
  await ingest.close({ graceMs: 2000 });
  await pusher?.stop();
  await pushTransport?.close();
  await pull?.close();
  await reloader.writer().close();
  logger.info("stopped");
  return EXIT_OK;
}
