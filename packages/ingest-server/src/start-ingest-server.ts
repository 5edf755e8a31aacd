import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { performance } from "node:perf_hooks";
import type { TLSSocket, Server as TlsServer } from "node:tls";
import { type Logger, silentLogger } from "@anomaly-writer/common";
import { METRICS_PATH } from "@anomaly-writer/healthcheck";
import type { VmWriter } from "@anomaly-writer/writer";
import {
  createIngestServerMetrics,
  type IngestServerMetrics,
  type IngestServerRejectReason,
} from "./create-ingest-server-metrics.ts";
import { createRequestPolicy, type RequestPolicy, sendError } from "./create-request-policy.ts";
import { checkTlsOptions, createTlsServer, withTlsFiles } from "./create-tls-server.ts";
import { describeExposure, printablePath } from "./describe-exposure.ts";
import { IngestServerError } from "./errors.ts";
import { DEFAULT_INGEST_SERVER, type IngestServer, type IngestServerOptions } from "./ingest-server-options.ts";
import { HEALTH_PATH, INGEST_PATH } from "./routes.ts";

export type { IngestServer, IngestServerOptions } from "./ingest-server-options.ts";

const KNOWN_PATHS = new Set([INGEST_PATH, METRICS_PATH, HEALTH_PATH]);

/** What the request handling shares with the server around it. */
interface Runtime {
  policy: RequestPolicy;
  ingesting: number;
  readonly metrics: IngestServerMetrics;
}

/** Check credentials and limits, then let the policy's handler answer. */
async function serve(
  runtime: Runtime,
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  note: { user?: string; auth?: string },
): Promise<void> {
  const { policy, metrics } = runtime;
  const reject = (
    reason: IngestServerRejectReason,
    status: number,
    message: string,
    headers: Record<string, string | string[]> = {},
  ) => {
    metrics.countRejected(reason);
    // The body is not read: close the connection rather than drain it.
    sendError(res, status, message, { connection: "close", ...headers });
  };
  if (path === HEALTH_PATH) return policy.handler(req, res);
  if (policy.auth.enabled) {
    const result = await policy.auth.check(req.headers.authorization);
    if (!result.ok) {
      note.auth = result.reason;
      const message = result.reason === "missing" ? "authentication required" : "invalid credentials";
      return reject("unauthorized", 401, message, { "www-authenticate": [...policy.auth.challenges] });
    }
    if (result.user !== undefined) note.user = result.user;
  }
  if (path !== INGEST_PATH || req.method !== "POST") return policy.handler(req, res);
  const declared = Number(req.headers["content-length"]);
  if (Number.isFinite(declared) && declared > policy.maxBodyBytes)
    return reject("body_too_large", 413, `body is larger than ${policy.maxBodyBytes} bytes`);
  if (runtime.ingesting >= policy.maxConcurrent) {
    const message = `busy: ${policy.maxConcurrent} requests in flight; retry after ${policy.retryAfter} s`;
    return reject("overloaded", 503, message, { "retry-after": policy.retryAfter });
  }
  runtime.ingesting++;
  try {
    if (req.headers.expect?.toLowerCase() === "100-continue") res.writeContinue();
    await policy.handler(req, res);
  } finally {
    runtime.ingesting--;
  }
}

/** Requests in flight, and a gate that holds new ones while the server is reconfigured. */
function createTraffic() {
  let inFlight = 0;
  const waiters: (() => void)[] = [];
  let gate: Promise<void> | undefined;
  return {
    get inFlight() {
      return inFlight;
    },
    /** Wait while the gate is shut, then count the request as in flight. */
    async enter() {
      while (gate) await gate;
      inFlight++;
    },
    finished() {
      inFlight--;
      if (inFlight === 0) for (const resolve of waiters.splice(0)) resolve();
    },
    idle: () => (inFlight === 0 ? Promise.resolve() : new Promise<void>((resolve) => waiters.push(resolve))),
    /** Shut the gate: new requests wait until the returned function opens it; those in flight go on. */
    shut(): () => void {
      let open = () => {};
      gate = new Promise<void>((resolve) => {
        open = () => {
          gate = undefined;
          resolve();
        };
      });
      return open;
    },
  };
}

/** The node:http(s) server with the timeouts: receiving a request, its headers, the TLS handshake, idle connections. */
function createBaseServer(options: IngestServerOptions, tls: boolean, timeoutMs: number, busy: Set<Socket>): Server {
  // requestTimeout bounds receiving a whole request, headersTimeout its headers (slow loris);
  // the check runs every connectionsCheckingInterval, so keep that well below the timeout.
  const httpOptions = {
    requestTimeout: timeoutMs,
    headersTimeout: timeoutMs,
    connectionsCheckingInterval: Math.min(1000, Math.max(50, Math.floor(timeoutMs / 4))),
  };
  const server: Server = tls
    ? createTlsServer(options, { ...httpOptions, handshakeTimeout: timeoutMs })
    : createHttpServer(httpOptions);
  // A connection that sends nothing (or stays idle between requests) is closed after timeoutMs;
  // one whose request is being handled (a slow write to VictoriaMetrics) is not.
  server.setTimeout(timeoutMs, (socket: Socket) => {
    if (!busy.has(socket)) socket.destroy();
  });
  return server;
}

/** Answer what the HTTP parser refused (timeouts, oversized headers) and count it; connection and TLS failures get no answer. */
function onClientErrors(
  server: Server,
  runtime: Runtime,
  logger: Logger,
  responses: WeakMap<Socket, ServerResponse>,
  timedOut: WeakSet<Socket>,
): void {
  server.on("clientError", (error: NodeJS.ErrnoException, socket: Socket) => {
    const code = error.code === "ERR_HTTP_REQUEST_TIMEOUT" ? 408 : error.code === "HPE_HEADER_OVERFLOW" ? 431 : 400;
    // A missing client certificate under TLS 1.3 shows up here after the handshake; tlsClientError counts it.
    if (error.code === "ECONNRESET" || error.code === "EPIPE" || error.code?.startsWith("ERR_SSL") === true) {
      socket.destroy();
      return;
    }
    if (code === 408) {
      timedOut.add(socket);
      runtime.metrics.countRejected("request_timeout");
    }
    if (!responses.has(socket)) {
      runtime.metrics.countRequest("other", String(code));
      if (runtime.policy.accessLog)
        logger.info(
          `access - - ${code} - - ${socket.remoteAddress ?? "-"}:${socket.remotePort ?? "-"} error=${error.code ?? "unknown"}`,
        );
    }
    const response = responses.get(socket);
    if (socket.writable && (response === undefined || !response.headersSent)) {
      const reason =
        code === 408 ? "Request Timeout" : code === 431 ? "Request Header Fields Too Large" : "Bad Request";
      socket.end(`HTTP/1.1 ${code} ${reason}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    }
    socket.destroy();
  });
  server.on("tlsClientError", (error: NodeJS.ErrnoException, socket: TLSSocket) => {
    runtime.metrics.countRejected("tls_handshake");
    if (runtime.policy.accessLog)
      logger.info(
        `access - - tls - - ${socket.remoteAddress ?? "-"}:${socket.remotePort ?? "-"} error=${error.code ?? error.message}`,
      );
  });
}

/** Listen; resolves with the bound address. */
function listen(server: Server, options: IngestServerOptions): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error) => reject(error);
    server.once("error", onError);
    server.listen(options.port ?? DEFAULT_INGEST_SERVER.port, options.host ?? DEFAULT_INGEST_SERVER.host, () => {
      server.off("error", onError);
      resolve(server.address() as AddressInfo);
    });
  });
}

/**
 * Start the HTTP(S) ingest API of `anomaly-writer serve` for `writer`: `POST /api/v1/outputs`,
 * `GET /metrics`, `GET /health` (see `createIngestHandler`), with authentication (bearer tokens,
 * basic auth; `/health` stays open), TLS and mTLS, request size, count and time limits, a
 * concurrency cap (503 + `Retry-After`), an access log without secrets, and its own metrics in
 * `writer.metrics.registry`. Listening beyond loopback without authentication logs a loud warning.
 * `reconfigure` applies new options and a new writer to later requests (config reload).
 */
export async function startIngestServer(writer: VmWriter, options: IngestServerOptions = {}): Promise<IngestServer> {
  const logger = options.logger ?? silentLogger;
  const now = options.now ?? (() => performance.now());
  const metrics = createIngestServerMetrics(writer.metrics.registry);
  const tls = checkTlsOptions(options);
  const runtime: Runtime = {
    policy: await createRequestPolicy(writer, options, logger, metrics),
    ingesting: 0,
    metrics,
  };
  /** The options in force (the ones given, then each applied reconfiguration). */
  let current = options;
  const traffic = createTraffic();
  /** Sockets with a request being handled: the idle-connection timeout leaves them alone. */
  const busy = new Set<Socket>();
  /** The response under way on a socket, so that a late client error does not write into it. */
  const responses = new WeakMap<Socket, ServerResponse>();
  const timedOut = new WeakSet<Socket>();
  const server = createBaseServer(options, tls, options.timeoutMs ?? DEFAULT_INGEST_SERVER.timeoutMs, busy);

  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    const started = now();
    const socket = req.socket;
    const path = printablePath(req.url);
    const bytesOut = socket.bytesWritten;
    // Read the peer now: once the socket is closed its address and certificate are gone.
    const client = `${socket.remoteAddress ?? "-"}:${socket.remotePort ?? "-"}`;
    const peer = socket as Partial<TLSSocket>;
    const cn: unknown = tls && peer.getPeerCertificate ? peer.getPeerCertificate()?.subject?.CN : undefined;
    const note: { user?: string; auth?: string } = {};
    busy.add(socket);
    responses.set(socket, res);
    res.once("close", () => {
      busy.delete(socket);
      const code = res.writableFinished ? String(res.statusCode) : timedOut.has(socket) ? "408" : "aborted";
      metrics.countRequest(KNOWN_PATHS.has(path) ? path : "other", code);
      if (!runtime.policy.accessLog) return;
      const who = [
        ...(note.user !== undefined ? [`user=${JSON.stringify(note.user)}`] : []),
        ...(typeof cn === "string" ? [`cn=${JSON.stringify(cn)}`] : []),
      ];
      const fields = [
        req.method ?? "-",
        path,
        code,
        `${Math.max(0, socket.bytesWritten - bytesOut)}B`,
        `${Math.round(now() - started)}ms`,
        client,
        ...who,
      ];
      logger.info(`access ${[...fields, ...(note.auth !== undefined ? [`auth=${note.auth}`] : [])].join(" ")}`);
    });
    let entered = false;
    traffic
      .enter()
      .then(() => {
        entered = true;
        metrics.setInFlight(traffic.inFlight);
        return serve(runtime, req, res, path, note);
      })
      .catch((error: unknown) => {
        logger.error(
          `ingest server: ${req.method} ${path} failed: ${error instanceof Error ? error.message : String(error)}`,
        );
        if (!res.headersSent) sendError(res, 500, "internal error");
        else res.destroy();
      })
      .finally(() => {
        if (!entered) return;
        traffic.finished();
        metrics.setInFlight(traffic.inFlight);
      });
  };
  server.on("request", onRequest);
  server.on("checkContinue", onRequest);
  onClientErrors(server, runtime, logger, responses, timedOut);

  const address = await listen(server, options);
  const host = address.address;
  const url = `${tls ? "https" : "http"}://${address.family === "IPv6" ? `[${host}]` : host}:${address.port}`;
  const exposure = describeExposure(url, host, runtime.policy.auth.enabled, tls);
  if (exposure) logger.warn(exposure);

  return {
    url,
    host,
    port: address.port,
    tls,
    get authEnabled() {
      return runtime.policy.auth.enabled;
    },
    server,
    idle: () => traffic.idle(),
    async reconfigure(next) {
      const open = traffic.shut();
      try {
        await traffic.idle();
        await runtime.policy.handler.idle();
        if (checkTlsOptions(next.options) !== tls)
          throw new IngestServerError("INGEST_SERVER_CONFIG", "turning TLS on or off needs a restart of serve");
        const merged = { ...options, ...next.options };
        // Check the new options before anything changes (token file, TLS files).
        const checked = await createRequestPolicy(runtime.policy.writer, merged, logger, metrics);
        const replaced = next.replaceWriter ? await next.replaceWriter() : undefined;
        if (replaced?.error !== undefined) {
          // The new writer could not start: the old settings stay, with the writer given back.
          runtime.policy = await createRequestPolicy(replaced.writer, current, logger, metrics);
          throw replaced.error;
        }
        if (tls) withTlsFiles(merged, (files) => (server as unknown as TlsServer).setSecureContext(files));
        // Same writer: the policy checked above serves as it is.
        runtime.policy = replaced ? await createRequestPolicy(replaced.writer, merged, logger, metrics) : checked;
        current = merged;
      } finally {
        open();
      }
    },
    async close({ graceMs = 2000 } = {}) {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      await traffic.idle();
      await runtime.policy.handler.idle();
      server.closeIdleConnections();
      const force = setTimeout(() => server.closeAllConnections(), graceMs);
      await closed;
      clearTimeout(force);
    },
  };
}
