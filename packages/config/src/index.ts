export { redactUrl } from "@anomaly-writer/common";
export type { ConfigIssue, ConfigWarning, ConfigWarningKind } from "./errors.ts";
export { ConfigError, formatConfigIssue } from "./errors.ts";
export type { FileOutputConfig } from "./file-output-schema.ts";
export type { HttpClientConfig } from "./http-client-schema.ts";
export type { IngestServerConfig, IngestServerUser } from "./ingest-server-schema.ts";
export {
  DEFAULT_INGEST_LISTEN,
  DEFAULT_INGEST_TIMEOUT_MS,
  DEFAULT_MAX_BODY_BYTES,
  DEFAULT_MAX_CONCURRENT_REQUESTS,
  DEFAULT_MAX_RECORDS_PER_REQUEST,
  DEFAULT_MAX_SERIES_PER_REQUEST,
} from "./ingest-server-schema.ts";
export type { WriterLimitsConfig } from "./limits-schema.ts";
export type { ListenAddress } from "./listen-address-schema.ts";
export type { LoadConfigOptions } from "./load-config.ts";
export { loadConfig } from "./load-config.ts";
export type { MonitoringConfig, PullConfig, PushConfig } from "./monitoring-schema.ts";
export type { ParseConfigOptions, ResolvedConfig, SafeParseConfigResult } from "./parse-config.ts";
export { parseConfig, safeParseConfig } from "./parse-config.ts";
export { parseDuration } from "./parse-duration.ts";
export type { QueueConfig } from "./queue-schema.ts";
export { redactConfig } from "./redact-config.ts";
export type { WriterConfig } from "./writer-schema.ts";
