import type { ServerResponse } from "node:http";
import type { Logger } from "@anomaly-writer/common";
import type { VmWriter } from "@anomaly-writer/writer";
import { type AuthChecker, createAuthChecker } from "./create-auth-checker.ts";
import { createIngestHandler, type IngestHandler } from "./create-ingest-handler.ts";
import type { IngestServerMetrics } from "./create-ingest-server-metrics.ts";
import { createTokenFileSource } from "./create-token-file-source.ts";
import { IngestServerError } from "./errors.ts";
import { DEFAULT_INGEST_SERVER, type IngestServerOptions } from "./ingest-server-options.ts";

/** What requests are checked and handled with: replaced as a whole on `reconfigure`. */
export interface RequestPolicy {
  readonly writer: VmWriter;
  readonly auth: AuthChecker;
  readonly handler: IngestHandler;
  readonly maxBodyBytes: number;
  readonly maxConcurrent: number;
  readonly retryAfter: string;
  readonly accessLog: boolean;
}

/** The credentials of the server: bearer tokens (a token file must hold one), basic-auth users. */
async function createServerAuth(options: IngestServerOptions, logger: Logger): Promise<AuthChecker> {
  const tokenFile =
    options.bearerTokenFile === undefined
      ? undefined
      : createTokenFileSource(options.bearerTokenFile, {
          onProblem: (message) => logger.error(`ingest server: ${message}`),
        });
  if (tokenFile !== undefined && (await tokenFile.tokens()).length === 0) {
    throw new IngestServerError(
      "INGEST_SERVER_CONFIG",
      `ingest_server bearer_token_file ${options.bearerTokenFile} holds no usable token (missing, unreadable or empty)`,
    );
  }
  return createAuthChecker({
    ...(options.bearerToken !== undefined && { bearerToken: options.bearerToken }),
    ...(tokenFile !== undefined && { tokenFile }),
    ...(options.users !== undefined && { users: options.users }),
  });
}

/** Build the policy of `options` for `writer`; throws IngestServerError for options it cannot serve with. */
export async function createRequestPolicy(
  writer: VmWriter,
  options: IngestServerOptions,
  logger: Logger,
  metrics: IngestServerMetrics,
): Promise<RequestPolicy> {
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_INGEST_SERVER.maxBodyBytes;
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
  return {
    writer,
    auth: await createServerAuth(options, logger),
    handler,
    maxBodyBytes,
    maxConcurrent: Math.max(1, options.maxConcurrentRequests ?? DEFAULT_INGEST_SERVER.maxConcurrentRequests),
    retryAfter: String(options.retryAfterSeconds ?? 1),
    accessLog: options.accessLog ?? true,
  };
}

/** Answer a JSON error. */
export function sendError(
  res: ServerResponse,
  status: number,
  message: string,
  headers: Record<string, string | string[]> = {},
): void {
  const text = `${JSON.stringify({ error: message })}\n`;
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text), ...headers });
  res.end(text);
}
