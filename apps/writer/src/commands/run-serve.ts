import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { hostname } from "node:os";
import { createMetricsPusher, startMetricsServer } from "@anomaly-writer/healthcheck";
import { createTransport } from "@anomaly-writer/transport";
import { createIngestHandler, createVmWriter, resolveTransportOptions } from "@anomaly-writer/writer";
import type { ConsolaInstance } from "consola";
import { EXIT_OK, UsageError } from "../exit-codes.ts";
import { loadRunnerConfig } from "../load-runner-config.ts";

export interface RunServeOptions {
  config: string | undefined;
  listen: string;
  env: Record<string, string | undefined>;
  logger: ConsolaInstance;
  /** Resolves when the process is asked to stop (SIGTERM/SIGINT). */
  stopSignal: Promise<string>;
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
  const listen = parseListen(options.listen);
  const writer = createVmWriter(config, { logger });
  const handler = createIngestHandler(writer, { logger });
  const server = createServer(handler);
  await new Promise<void>((resolve, reject) => {
    server.once("error", (error: NodeJS.ErrnoException) =>
      reject(error.code === "EADDRINUSE" ? new UsageError(`cannot listen on ${options.listen}: address already in use`) : error),
    );
    server.listen(listen.port, listen.host, resolve);
  });
  const address = server.address() as AddressInfo;
  const url = `http://${address.family === "IPv6" ? `[${address.address}]` : address.address}:${address.port}`;
  logger.info(`serving POST ${url}/api/v1/outputs, GET ${url}/metrics, GET ${url}/health -> ${writer.importUrl ?? "noop"}`);

  const pull = config.monitoring.pull
    ? await startMetricsServer({ registry: writer.metrics.registry, host: config.monitoring.pull.addr, port: config.monitoring.pull.port })
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
          instance: `${hostname()}:${address.port}`,
          onError: (error) => logger.warn(`monitoring.push failed: ${error instanceof Error ? error.message : String(error)}`),
        })
      : undefined;
  pusher?.start();

  const signal = await options.stopSignal;
  logger.info(`${signal}: stopping (no new requests; finishing writes in flight)`);
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  await handler.idle();
  server.closeIdleConnections();
  const force = setTimeout(() => server.closeAllConnections(), 2000);
  await closed;
  clearTimeout(force);
  await pusher?.stop();
  await pushTransport?.close();
  await pull?.close();
  await writer.close();
  logger.info("stopped");
  return EXIT_OK;
}
