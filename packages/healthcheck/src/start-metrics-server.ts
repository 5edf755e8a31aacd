import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Registry } from "prom-client";
import { HealthcheckError } from "./errors.ts";
import { METRICS_PATH, serveMetrics } from "./serve-metrics.ts";

/** A handler for one extra path of the metrics server (e.g. `/health`). */
export type MetricsServerRoute = (request: IncomingMessage, response: ServerResponse) => void | Promise<void>;

/** Options of {@link startMetricsServer} (vmanomaly `monitoring.pull`). */
export interface MetricsServerOptions {
  readonly registry: Registry;
  /** Address to listen on; vmanomaly's default is `0.0.0.0`. */
  readonly host: string;
  /** Port; `0` picks a free one. vmanomaly's default is 8080. */
  readonly port: number;
  /** More exact paths to serve, e.g. `{ "/health": (req, res) => res.end("OK") }`. `/metrics` cannot be replaced. */
  readonly extraRoutes?: Readonly<Record<string, MetricsServerRoute>>;
}

/** A running metrics server. */
export interface MetricsServer {
  /** `http://host:port`, with a wildcard host replaced by loopback so it can be fetched. */
  readonly url: string;
  readonly port: number;
  /** Stop listening and drop open connections. */
  close(): Promise<void>;
}

/** Serve `GET /metrics` (Prometheus text format) from the registry; any other path answers 404. */
export async function startMetricsServer(options: MetricsServerOptions): Promise<MetricsServer> {
  const routes = new Map(Object.entries(options.extraRoutes ?? {}));
  const server = createServer((request, response) => {
    const path = (request.url ?? "/").split("?")[0] ?? "/";
    if (path === METRICS_PATH) {
      void serveMetrics(options.registry, request, response);
      return;
    }
    const route = routes.get(path);
    if (route) {
      Promise.resolve()
        .then(() => route(request, response))
        .catch((error: unknown) => {
          if (!response.headersSent) response.writeHead(500, { "content-type": "text/plain; charset=utf-8" });
          response.end(`internal error: ${String(error)}\n`);
        });
      return;
    }
    response
      .writeHead(404, { "content-type": "text/plain; charset=utf-8" })
      .end(`not found: ${path} (metrics are at /metrics)\n`);
  });

  await new Promise<void>((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      const why =
        error.code === "EADDRINUSE"
          ? "the address is already in use"
          : error.code === "EACCES"
            ? "permission denied"
            : error.message;
      reject(
        new HealthcheckError(
          "HEALTHCHECK_SERVER_FAILED",
          `cannot serve metrics on ${options.host}:${options.port}: ${why}`,
          { cause: error },
        ),
      );
    };
    server.once("error", onError);
    server.listen(options.port, options.host, () => {
      server.off("error", onError);
      resolve();
    });
  });

  const port = (server.address() as AddressInfo).port;
  const host =
    options.host === "0.0.0.0" || options.host === "" ? "127.0.0.1" : options.host === "::" ? "::1" : options.host;
  const url = `http://${host.includes(":") ? `[${host}]` : host}:${port}`;
  let closed: Promise<void> | undefined;
  return {
    url,
    port,
    close() {
      closed ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closed;
    },
  };
}
