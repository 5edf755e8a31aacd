import type { Server } from "node:http";
import type { Logger } from "@anomaly-writer/common";
import {
  DEFAULT_INGEST_LISTEN,
  DEFAULT_INGEST_TIMEOUT_MS,
  DEFAULT_MAX_BODY_BYTES,
  DEFAULT_MAX_CONCURRENT_REQUESTS,
  DEFAULT_MAX_RECORDS_PER_REQUEST,
  DEFAULT_MAX_SERIES_PER_REQUEST,
} from "@anomaly-writer/config";
import type { VmWriter } from "@anomaly-writer/writer";
import type { IngestHandlerOptions } from "./create-ingest-handler.ts";

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
  /**
   * Apply new options (credentials, limits, the TLS certificate, access log) and, with
   * `replaceWriter`, a new writer, to later requests (config reload): new requests wait while the
   * ones in flight finish with the old settings; the new options are checked first (nothing changes
   * when they cannot be used); then `replaceWriter` runs (e.g. closes the old writer and opens the
   * new one on the same queue). When it answers an `error` (the new writer could not start), the
   * writer it answers (the old settings' again) serves with the old options and reconfigure rejects
   * with that error. The address, port and whether TLS is on need a restart.
   */
  reconfigure(next: {
    readonly options: IngestServerOptions;
    readonly replaceWriter?: () => Promise<{ readonly writer: VmWriter; readonly error?: unknown }>;
  }): Promise<void>;
  /** Stop accepting, let requests in flight finish, then close connections (forced after `graceMs`, default 2000). */
  close(options?: { graceMs?: number }): Promise<void>;
}

/** The defaults of the `ingest_server:` section, so that the library and the config agree. */
export const DEFAULT_INGEST_SERVER = {
  host: DEFAULT_INGEST_LISTEN.host,
  port: DEFAULT_INGEST_LISTEN.port,
  timeoutMs: DEFAULT_INGEST_TIMEOUT_MS,
  maxBodyBytes: DEFAULT_MAX_BODY_BYTES,
  maxRecordsPerRequest: DEFAULT_MAX_RECORDS_PER_REQUEST,
  maxSeriesPerRequest: DEFAULT_MAX_SERIES_PER_REQUEST,
  maxConcurrentRequests: DEFAULT_MAX_CONCURRENT_REQUESTS,
} as const;
