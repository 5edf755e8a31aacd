import { inspect } from "node:util";
import type { ErrorClassification } from "./classify-error.ts";
import type { StatusClassification } from "./classify-status.ts";
import { TransportError } from "./errors.ts";
import type { Target } from "./parse-target.ts";

/** How much of an error response an error keeps, and how much of it its message shows. */
const ERROR_BODY_KEEP = 4096;
const MESSAGE_BODY_EXCERPT = 300;

/** What the errors of one request name: its method and target, and how its secrets are scrubbed. */
export interface RequestIdentity {
  readonly method: "GET" | "POST";
  readonly target: Target;
  /** Aborted by `close()` (rather than by the caller's signal). */
  readonly closing: AbortSignal;
  /** Replace every secret known to the request by `<redacted>`. */
  scrub(text: string): string;
}

/** The failure of a request after `attempts` attempts: an HTTP answer or a network/TLS/IO error. */
export type RequestFailure =
  | {
      readonly kind: "response";
      readonly status: number;
      readonly body: string;
      readonly classification: StatusClassification;
    }
  | { readonly kind: "error"; readonly error: unknown; readonly classification: ErrorClassification };

/** The request was aborted by the caller's signal or by `close()`. */
export function abortedError(request: RequestIdentity, attempts: number, cause?: unknown): TransportError {
  const { method, target } = request;
  return new TransportError({
    code: "TRANSPORT_ABORTED",
    outcome: "aborted",
    retryable: false,
    attempts,
    url: target.redacted,
    method,
    message: `${method} ${target.redacted} aborted${request.closing.aborted ? ": the transport is closed" : ""}`,
    ...(cause !== undefined ? { cause: sanitizeCause(cause, request.scrub) } : {}),
  });
}

/** The error a request ends with when its retry policy gives up; secrets scrubbed. */
export function failedRequestError(
  request: RequestIdentity,
  failure: RequestFailure,
  attempts: number,
): TransportError {
  const { method, target, scrub } = request;
  const hint = failure.classification.hint;
  const hintText = hint !== undefined ? `; ${hint}` : "";
  if (failure.kind === "response") {
    const body = scrub(failure.body).slice(0, ERROR_BODY_KEEP);
    return new TransportError({
      code: "TRANSPORT_HTTP",
      outcome: failure.classification.outcome,
      status: failure.status,
      body,
      retryable: failure.classification.retryable,
      credentialError: failure.classification.credentialError,
      attempts,
      url: target.redacted,
      method,
      ...(hint !== undefined ? { hint } : {}),
      message: `${method} ${target.redacted}: HTTP ${failure.status} (${plural(attempts)})${excerpt(body, MESSAGE_BODY_EXCERPT)}${hintText}`,
    });
  }
  const { classification } = failure;
  return new TransportError({
    code: classification.code,
    outcome: classification.outcome,
    retryable: classification.retryable,
    attempts,
    url: target.redacted,
    method,
    ...(hint !== undefined ? { hint } : {}),
    message: scrub(
      `${method} ${target.redacted}: ${classification.outcome} (${plural(attempts)}): ${classification.reason}${hintText}`,
    ),
    cause: sanitizeCause(failure.error, scrub),
  });
}

/** `": <first n chars, one line>"`, or nothing for an empty body. */
export function excerpt(body: string, n: number): string {
  const line = body.replace(/\s+/g, " ").trim();
  if (line === "") return "";
  return `: ${line.length > n ? `${line.slice(0, n)}...` : line}`;
}

function plural(n: number): string {
  return `${n} attempt${n === 1 ? "" : "s"}`;
}

/**
 * The innermost error of the chain (the system or TLS error), without ofetch's wrapper that
 * carries the request options (headers included). An error that shows a secret anywhere (its
 * message or any property, e.g. one holding request headers) is replaced by a plain copy of its
 * name, code and scrubbed message.
 */
function sanitizeCause(error: unknown, scrub: (text: string) => string): unknown {
  let root: unknown = error;
  const seen = new Set<unknown>();
  while (typeof root === "object" && root !== null && !seen.has(root)) {
    seen.add(root);
    const record = root as { name?: unknown; cause?: unknown };
    const wrapper =
      record.name === "FetchError" || (root instanceof TypeError && (root as Error).message === "fetch failed");
    if (!wrapper || record.cause === undefined) break;
    root = record.cause;
  }
  if (root instanceof Error && (scrub(root.message) !== root.message || showsSecret(root, scrub))) {
    const clean = new Error(scrub(root.message)) as Error & { code?: unknown };
    clean.name = root.name;
    clean.code = (root as { code?: unknown }).code;
    return clean;
  }
  return root;
}

/** Whether the printed form of an error (every property, nested causes included) holds a secret. */
function showsSecret(error: Error, scrub: (text: string) => string): boolean {
  const printed = inspect(error, { depth: 10, showHidden: true });
  return scrub(printed) !== printed;
}
