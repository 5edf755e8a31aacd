export type { AuthChecker, AuthCheckerOptions, AuthResult } from "./create-auth-checker.ts";
export { createAuthChecker } from "./create-auth-checker.ts";
export type { IngestHandler, IngestHandlerOptions, IngestRejectReason } from "./create-ingest-handler.ts";
export {
  createIngestHandler,
  DEFAULT_MAX_LABEL_BYTES_PER_REQUEST,
  summarizeForResponse,
} from "./create-ingest-handler.ts";
export type { IngestServerMetrics, IngestServerRejectReason } from "./create-ingest-server-metrics.ts";
export { createIngestServerMetrics } from "./create-ingest-server-metrics.ts";
export type { TokenFileSource, TokenFileSourceOptions } from "./create-token-file-source.ts";
export { createTokenFileSource } from "./create-token-file-source.ts";
export { IngestServerError } from "./errors.ts";
export type { IngestServer, IngestServerOptions } from "./ingest-server-options.ts";
export { resolveIngestServerOptions } from "./resolve-ingest-server-options.ts";
export { HEALTH_PATH, INGEST_PATH } from "./routes.ts";
export { startIngestServer } from "./start-ingest-server.ts";
