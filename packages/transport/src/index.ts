export { redactUrl } from "@anomaly-writer/common";
export type { ErrorClassification } from "./classify-error.ts";
export { classifyError } from "./classify-error.ts";
export type { StatusClassification } from "./classify-status.ts";
export { classifyStatus } from "./classify-status.ts";
export type { BackoffOptions } from "./compute-backoff.ts";
export { computeBackoff, DEFAULT_RETRY } from "./compute-backoff.ts";
export { createTransport } from "./create-transport.ts";
export type { TransportErrorCode, TransportErrorInit } from "./errors.ts";
export { TransportConfigError, TransportError } from "./errors.ts";
export { parseRetryAfter } from "./parse-retry-after.ts";
export { DEFAULT_TIMEOUT_MS } from "./resolve-transport-options.ts";
export { scrubSecrets } from "./scrub-secrets.ts";
export type {
  AttemptInfo,
  RequestBody,
  RequestOptions,
  RetryOptions,
  Transport,
  TransportClock,
  TransportOptions,
  TransportResponse,
} from "./transport-options.ts";
