import { METRICS_PATH } from "@anomaly-writer/healthcheck";
import { HEALTH_PATH, INGEST_PATH } from "./routes.ts";
import { type VmWriter } from "@anomaly-writer/writer";
import { silentLogger } from "@anomaly-writer/common";
import type { Logger } from "@anomaly-writer/common";
import { readFileSync } from "node:fs";
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createHttpsServer, type ServerOptions as HttpsServerOptions } from "node:https";
import { type AddressInfo, isIPv4, isIPv6, type Socket } from "node:net";
import type { TLSSocket } from "node:tls";
import { performance } from "node:perf_hooks";
import {
  DEFAULT_INGEST_LISTEN,
  DEFAULT_INGEST_TIMEOUT_MS,
  DEFAULT_MAX_BODY_BYTES,
  DEFAULT_MAX_CONCURRENT_REQUESTS,
  DEFAULT_MAX_RECORDS_PER_REQUEST,
  DEFAULT_MAX_SERIES_PER_REQUEST,
} from "@anomaly-writer/config";
import { createAuthChecker } from "./create-auth-checker.ts";
import { createIngestHandler, type IngestHandlerOptions } from "./create-ingest-handler.ts";
import { createIngestServerMetrics, type IngestServerRejectReason } from "./create-ingest-server-metrics.ts";
import { createTokenFileSource } from "./create-token-file-source.ts";
import { IngestServerError } from "./errors.ts";

/** Options of {@link startIngestServer}; see `ingest_server:` in the config README for the meaning and defaults. */
export interface IngestServerOptions {
  /** Default `127.0.0.1`: only this machine. */
  host?: string;
  /** Default 8490; 0 picks a free port. */
  port?: number;
  logger?: Logger;
  /** Accepted `Authorization: Bearer` token. */
  bearerToken?: string;
  /** File of accepted tokens, one per line; re-read when it changes. */
  bearerTokenFile?: string;
  /** Accepted basic auth users. */
  users?: readonly { readonly user: string; readonly password: string }[];
  /** Server certificate and key (PEM files): serve HTTPS. */
  tlsCertFile?: string;
  tlsKeyFile?: string;
  /** CA bundle (PEM file): require client certificates it signed (mTLS). */
  tlsClientCaFile?: string;
  /** Time to receive a whole request (headers and body), and the TLS handshake; idle connections are closed after it. Default 30 s. */
  timeoutMs?: number;
  /** Largest body, as sent and after gunzip; larger ones get 413. Default 32 MiB. */
  maxBodyBytes?: number;
  /** Default 10 000; more get 413. */
  maxRecordsPerRequest?: number;
  /** Output series (records × output variables); default 50 000; more get 413. */
  maxSeriesPerRequest?: number;
  /** Label characters one request may expand to (labels × output variables, summed); default 256 Mi; more get 413. */
  maxLabelBytesPerRequest?: number;
  /** Ingest requests handled at once; more get 503 with `Retry-After`. Default 8. */
  maxConcurrentRequests?: number;
  /** `Retry-After` seconds of a 503 when saturated. Default 1. */
  retryAfterSeconds?: number;
  /** One info line per request. Default true. */
  accessLog?: boolean;
  /** Health detail of `GET /health` (see `createIngestHandler`). */
  health?: IngestHandlerOptions["health"];
  /** Milliseconds clock for request durations; default `performance.now`. */
  now?: () => number;
}

/** A running ingest server. */
export interface IngestServer {
  /** `http(s)://host:port` as bound (IPv6 in brackets). */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  readonly tls: boolean;
  readonly authEnabled: boolean;
  /** The node:http or node:https server. */
  readonly server: Server;
  /** Resolves when no request is being handled. */
  idle(): Promise<void>;
  /** Stop accepting, let requests in flight finish, then close connections (forced after `graceMs`, default 2000). */
  close(options?: { graceMs?: number }): Promise<void>;
}

const KNOWN_PATHS = new Set([INGEST_PATH, METRICS_PATH, HEALTH_PATH]);

/** The defaults of the `ingest_server:` section, so that the library and the config agree. */
const DEFAULT_INGEST_SERVER = {
  host: DEFAULT_INGEST_LISTEN.host,
  port: DEFAULT_INGEST_LISTEN.port,
  timeoutMs: DEFAULT_INGEST_TIMEOUT_MS,
  maxBodyBytes: DEFAULT_MAX_BODY_BYTES,
  maxRecordsPerRequest: DEFAULT_MAX_RECORDS_PER_REQUEST,
  maxSeriesPerRequest: DEFAULT_MAX_SERIES_PER_REQUEST,
  maxConcurrentRequests: DEFAULT_MAX_CONCURRENT_REQUESTS,
} as const;

/** True for addresses only this machine can reach. */
function isLoopback(address: string): boolean {
  if (isIPv4(address)) return address.startsWith("127.");
  if (isIPv6(address)) return address === "::1" || /^::ffff:127\./i.test(address);
  return address === "localhost";
}

/** The path of a request URL for logs and labels: no query string (it may hold secrets), no control characters, bounded. */
function printablePath(url: string | undefined): string {
  const path = (url ?? "/").split("?")[0] ?? "/";
  const safe = path.replace(/[^\x21-\x7e]/g, (c) => `%${c.charCodeAt(0).toString(16).padStart(2, "0")}`);
  return safe.length > 200 ? `${safe.slice(0, 200)}...` : safe;
}

function readPem(what: string, path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    throw new IngestServerError("INGEST_SERVER_CONFIG", `cannot read ingest_server ${what} ${path}: ${typeof code === "string" ? code : (error as Error).message}`, { cause: error });
  }
}

/** The HTTPS server; unusable files (a key that does not match, no PEM) are a WRITER_CONFIG error naming them, not a bare OpenSSL message. */
function createTlsServer(options: IngestServerOptions, serverOptions: HttpsServerOptions): Server {
  const files = [
    `tls_cert_file ${options.tlsCertFile ?? ""}`,
    `tls_key_file ${options.tlsKeyFile ?? ""}`,
    ...(options.tlsClientCaFile === undefined ? [] : [`tls_client_ca_file ${options.tlsClientCaFile}`]),
  ];
  const tlsOptions = {
    ...serverOptions,
    cert: readPem("tls_cert_file", options.tlsCertFile ?? ""),
    key: readPem("tls_key_file", options.tlsKeyFile ?? ""),
    ...(options.tlsClientCaFile !== undefined && {
      ca: readPem("tls_client_ca_file", options.tlsClientCaFile),
      requestCert: true,
      rejectUnauthorized: true,
    }),
  };
  try {
    return createHttpsServer(tlsOptions);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new IngestServerError("INGEST_SERVER_CONFIG", `ingest_server ${files.join(", ")}: cannot be used for TLS (${reason})`, { cause: error });
  }
}

function sendError(res: ServerResponse, status: number, message: string, headers: Record<string, string | string[]> = {}): void {
  const text = `${JSON.stringify({ error: message })}\n`;
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text), ...headers });
  res.end(text);
}

/** The credentials of the server: bearer tokens (a token file must hold one), basic-auth users. */
async function createServerAuth(options: IngestServerOptions, logger: Logger) {
  const tokenFile =
    options.bearerTokenFile === undefined
      ? undefined
      : createTokenFileSource(options.bearerTokenFile, { onProblem: (message) => logger.error(`ingest server: ${message}`) });
  if (tokenFile !== undefined && (await tokenFile.tokens()).length === 0) {
    throw new IngestServerError("INGEST_SERVER_CONFIG", `ingest_server bearer_token_file ${options.bearerTokenFile} holds no usable token (missing, unreadable or empty)`);
  }
  return createAuthChecker({
    ...(options.bearerToken !== undefined && { bearerToken: options.bearerToken }),
    ...(tokenFile !== undefined && { tokenFile }),
    ...(options.users !== undefined && { users: options.users }),
  });
}

/** True when the server serves HTTPS; throws for a certificate without its key and the like. */
function checkTlsOptions(options: IngestServerOptions): boolean {
  if ((options.tlsCertFile === undefined) !== (options.tlsKeyFile === undefined)) {
    throw new IngestServerError("INGEST_SERVER_CONFIG", "ingest_server tls_cert_file and tls_key_file go together");
  }
  if (options.tlsClientCaFile !== undefined && options.tlsCertFile === undefined) {
    throw new IngestServerError("INGEST_SERVER_CONFIG", "ingest_server tls_client_ca_file needs tls_cert_file and tls_key_file");
  }
  return options.tlsCertFile !== undefined && options.tlsKeyFile !== undefined;
}

/**
 * Start the HTTP(S) ingest API of `anomaly-writer serve` for `writer`: `POST /api/v1/outputs`,
 * `GET /metrics`, `GET /health` (see `createIngestHandler`), with authentication (bearer tokens,
 * basic auth; `/health` stays open), TLS and mTLS, request size, count and time limits, a
 * concurrency cap (503 + `Retry-After`), an access log without secrets, and its own metrics in
 * `writer.metrics.registry`. Listening beyond loopback without authentication logs a loud warning.
 */
export async function startIngestServer(writer: VmWriter, options: IngestServerOptions = {}): Promise<IngestServer> {
  const logger = options.logger ?? silentLogger;
  const now = options.now ?? (() => performance.now());
  const timeoutMs = options.timeoutMs ?? DEFAULT_INGEST_SERVER.timeoutMs;
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_INGEST_SERVER.maxBodyBytes;
  const maxConcurrent = Math.max(1, options.maxConcurrentRequests ?? DEFAULT_INGEST_SERVER.maxConcurrentRequests);
  const retryAfter = String(options.retryAfterSeconds ?? 1);
  const accessLog = options.accessLog ?? true;
  const metrics = createIngestServerMetrics(writer.metrics.registry);

  const auth = await createServerAuth(options, logger);
  const tls = checkTlsOptions(options);

  const handler = createIngestHandler(writer, {
    logger,
    maxBodyBytes,
    maxRecordsPerRequest: options.maxRecordsPerRequest ?? DEFAULT_INGEST_SERVER.maxRecordsPerRequest,
    maxSeriesPerRequest: options.maxSeriesPerRequest ?? DEFAULT_INGEST_SERVER.maxSeriesPerRequest,
    ...(options.maxLabelBytesPerRequest !== undefined && { maxLabelBytesPerRequest: options.maxLabelBytesPerRequest }),
    // Ok only once the writer is ready (its durable queue open); otherwise 503 with the reason.
    health: options.health ?? (() => writer.health()),
    onRejected: (reason) => metrics.countRejected(reason),
  });

  let inFlight = 0;
  let ingesting = 0;
  let waiters: (() => void)[] = [];
  /** Sockets with a request being handled: the idle-connection timeout leaves them alone. */
  const busy = new Set<Socket>();
  /** The response under way on a socket, so that a late client error does not write into it. */
  const responses = new WeakMap<Socket, ServerResponse>();
  const timedOut = new WeakSet<Socket>();

  const reject = (res: ServerResponse, reason: IngestServerRejectReason, status: number, message: string, headers: Record<string, string | string[]> = {}) => {
    metrics.countRejected(reason);
    // The body is not read: close the connection rather than drain it.
    sendError(res, status, message, { connection: "close", ...headers });
  };

  const serve = async (req: IncomingMessage, res: ServerResponse, path: string, note: { user?: string; auth?: string }): Promise<void> => {
    if (path === HEALTH_PATH) return handler(req, res);
    if (auth.enabled) {
      const result = await auth.check(req.headers.authorization);
      if (!result.ok) {
        note.auth = result.reason;
        return reject(res, "unauthorized", 401, result.reason === "missing" ? "authentication required" : "invalid credentials", {
          "www-authenticate": [...auth.challenges],
        });
      }
      if (result.user !== undefined) note.user = result.user;
    }
    if (path !== INGEST_PATH || req.method !== "POST") return handler(req, res);
    const declared = Number(req.headers["content-length"]);
    if (Number.isFinite(declared) && declared > maxBodyBytes) {
      return reject(res, "body_too_large", 413, `body is larger than ${maxBodyBytes} bytes`);
    }
    if (ingesting >= maxConcurrent) {
      return reject(res, "overloaded", 503, `busy: ${maxConcurrent} requests in flight; retry after ${retryAfter} s`, { "retry-after": retryAfter });
    }
    ingesting++;
    try {
      if (req.headers.expect?.toLowerCase() === "100-continue") res.writeContinue();
      await handler(req, res);
    } finally {
      ingesting--;
    }
  };

  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    const started = now();
    const socket = req.socket;
    const path = printablePath(req.url);
    const bytesOut = socket.bytesWritten;
    // Read the peer now: once the socket is closed its address and certificate are gone.
    const client = `${socket.remoteAddress ?? "-"}:${socket.remotePort ?? "-"}`;
    const peer = socket as Partial<TLSSocket>;
    const cn: unknown = accessLog && tls && peer.getPeerCertificate ? peer.getPeerCertificate()?.subject?.CN : undefined;
    const note: { user?: string; auth?: string } = {};
    inFlight++;
    metrics.setInFlight(inFlight);
    busy.add(socket);
    responses.set(socket, res);
    res.once("close", () => {
      busy.delete(socket);
      const code = res.writableFinished ? String(res.statusCode) : timedOut.has(socket) ? "408" : "aborted";
      metrics.countRequest(KNOWN_PATHS.has(path) ? path : "other", code);
      if (!accessLog) return;
      const fields = [
        req.method ?? "-",
        path,
        code,
        `${Math.max(0, socket.bytesWritten - bytesOut)}B`,
        `${Math.round(now() - started)}ms`,
        client,
        ...(note.user !== undefined ? [`user=${JSON.stringify(note.user)}`] : []),
        ...(typeof cn === "string" ? [`cn=${JSON.stringify(cn)}`] : []),
        ...(note.auth !== undefined ? [`auth=${note.auth}`] : []),
      ];
      logger.info(`access ${fields.join(" ")}`);
    });
    serve(req, res, path, note)
      .catch((error: unknown) => {
        logger.error(`ingest server: ${req.method} ${path} failed: ${error instanceof Error ? error.message : String(error)}`);
        if (!res.headersSent) sendError(res, 500, "internal error");
        else res.destroy();
      })
      .finally(() => {
        inFlight--;
        metrics.setInFlight(inFlight);
        if (inFlight === 0) {
          for (const resolve of waiters) resolve();
          waiters = [];
        }
      });
  };

  // requestTimeout bounds receiving a whole request, headersTimeout its headers (slow loris);
  // the check runs every connectionsCheckingInterval, so keep that well below the timeout.
  const httpOptions = {
    requestTimeout: timeoutMs,
    headersTimeout: timeoutMs,
    connectionsCheckingInterval: Math.min(1000, Math.max(50, Math.floor(timeoutMs / 4))),
  };
  const server: Server = tls ? createTlsServer(options, { ...httpOptions, handshakeTimeout: timeoutMs }) : createHttpServer(httpOptions);
  server.on("request", onRequest);
  server.on("checkContinue", onRequest);
  // A connection that sends nothing (or stays idle between requests) is closed after timeoutMs;
  // one whose request is being handled (a slow write to VictoriaMetrics) is not.
  server.setTimeout(timeoutMs, (socket: Socket) => {
    if (!busy.has(socket)) socket.destroy();
  });
  server.on("clientError", (error: NodeJS.ErrnoException, socket: Socket) => {
    const code = error.code === "ERR_HTTP_REQUEST_TIMEOUT" ? 408 : error.code === "HPE_HEADER_OVERFLOW" ? 431 : 400;
    // Connection and TLS failures (a missing client certificate under TLS 1.3 shows up here after
    // the handshake; tlsClientError counts it) get no HTTP answer.
    if (error.code === "ECONNRESET" || error.code === "EPIPE" || error.code?.startsWith("ERR_SSL") === true) {
      socket.destroy();
      return;
    }
    if (code === 408) {
      timedOut.add(socket);
      metrics.countRejected("request_timeout");
    }
    if (!responses.has(socket)) {
      metrics.countRequest("other", String(code));
      if (accessLog) logger.info(`access - - ${code} - - ${socket.remoteAddress ?? "-"}:${socket.remotePort ?? "-"} error=${error.code ?? "unknown"}`);
    }
    const response = responses.get(socket);
    if (socket.writable && (response === undefined || !response.headersSent)) {
      const reason = code === 408 ? "Request Timeout" : code === 431 ? "Request Header Fields Too Large" : "Bad Request";
      socket.end(`HTTP/1.1 ${code} ${reason}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    }
    socket.destroy();
  });
  if (tls) {
    server.on("tlsClientError", (error: NodeJS.ErrnoException, socket: TLSSocket) => {
      metrics.countRejected("tls_handshake");
      if (accessLog) logger.info(`access - - tls - - ${socket.remoteAddress ?? "-"}:${socket.remotePort ?? "-"} error=${error.code ?? error.message}`);
    });
  }

  await new Promise<void>((resolve, reject) => {
    const onError = (error: Error) => reject(error);
    server.once("error", onError);
    server.listen(options.port ?? DEFAULT_INGEST_SERVER.port, options.host ?? DEFAULT_INGEST_SERVER.host, () => {
      server.off("error", onError);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.address;
  const url = `${tls ? "https" : "http"}://${address.family === "IPv6" ? `[${host}]` : host}:${address.port}`;

  if (!isLoopback(host)) {
    if (!auth.enabled) {
      logger.warn(
        `ingest server: listening on ${url} WITHOUT AUTHENTICATION: anyone who can reach this address can write into your VictoriaMetrics and read /metrics. ` +
          "Set ingest_server.bearer_token, bearer_token_file or users, or listen on 127.0.0.1.",
      );
    } else if (!tls) {
      logger.warn(`ingest server: listening on ${url} without TLS: credentials cross the network in clear text. Set ingest_server.tls_cert_file and tls_key_file.`);
    }
  }

  const idle = () => (inFlight === 0 ? Promise.resolve() : new Promise<void>((resolve) => waiters.push(resolve)));
  return {
    url,
    host,
    port: address.port,
    tls,
    authEnabled: auth.enabled,
    server,
    idle,
    async close({ graceMs = 2000 } = {}) {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      await idle();
      await handler.idle();
      server.closeIdleConnections();
      const force = setTimeout(() => server.closeAllConnections(), graceMs);
      await closed;
      clearTimeout(force);
    },
  };
}
