import type { IngestServerConfig } from "@anomaly-writer/config";
import type { IngestServerOptions } from "./start-ingest-server.ts";

/** Options of `startIngestServer` from the `ingest_server:` section of the config (`config.ingestServer`). */
export function resolveIngestServerOptions(section: IngestServerConfig): IngestServerOptions {
  return {
    host: section.listen.host,
    port: section.listen.port,
    ...(section.bearerToken !== undefined && { bearerToken: section.bearerToken }),
    ...(section.bearerTokenFile !== undefined && { bearerTokenFile: section.bearerTokenFile }),
    ...(section.users.length > 0 && { users: section.users }),
    ...(section.tlsCertFile !== undefined && { tlsCertFile: section.tlsCertFile }),
    ...(section.tlsKeyFile !== undefined && { tlsKeyFile: section.tlsKeyFile }),
    ...(section.tlsClientCaFile !== undefined && { tlsClientCaFile: section.tlsClientCaFile }),
    timeoutMs: section.timeoutMs,
    maxBodyBytes: section.maxBodyBytes,
    maxRecordsPerRequest: section.maxRecordsPerRequest,
    maxSeriesPerRequest: section.maxSeriesPerRequest,
    maxConcurrentRequests: section.maxConcurrentRequests,
    accessLog: section.accessLog,
  };
}
