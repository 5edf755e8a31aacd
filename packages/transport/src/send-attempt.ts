import type { Dispatcher } from "undici";
import {
  ATTEMPT_TIMEOUT_CODE,
  CLIENT_CERTIFICATE_HINT,
  classifyError,
  type ErrorClassification,
  failedBeforeSending,
  isSocketClosed,
} from "./classify-error.ts";
import type { AttemptBody } from "./prepare-body.ts";
import type { PreparedRequest } from "./prepare-request.ts";
import { sendWithFetch } from "./send-with-fetch.ts";
import { type AttemptRequest, sendWithRequest } from "./send-with-request.ts";
import { failedOnReusedSocket } from "./track-socket-reuse.ts";
import type { TransportClock } from "./transport-options.ts";

/** How much of an error response is read. */
const ERROR_BODY_READ_LIMIT = 64 * 1024;

/** What one attempt on the wire came to: an answer (any status) or an error, classified. */
export type AttemptOutcome =
  | {
      readonly kind: "response";
      readonly status: number;
      readonly body: string;
      readonly headers: Record<string, string>;
      readonly retryAfter: string | null;
      readonly bytesSent: number;
      readonly durationMs: number;
    }
  | {
      readonly kind: "error";
      readonly error: unknown;
      readonly classification: ErrorClassification;
      readonly bytesSent: number;
      readonly durationMs: number;
    };

/** What an attempt needs from its transport. */
export interface AttemptContext {
  readonly dispatcher: Dispatcher;
  readonly clock: TransportClock;
  /** The transport's `Authorization` value for this target, if any (a token file is read here). */
  authorization(request: PreparedRequest): Promise<string | undefined>;
}

/**
 * Make one attempt within the request's deadline; it never throws: a failure comes back
 * classified (deadline, abort, or what `classifyError` makes of it).
 */
export async function sendAttempt(request: PreparedRequest, context: AttemptContext): Promise<AttemptOutcome> {
  const { clock } = context;
  const { signal, timeoutMs } = request;
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort(
      Object.assign(new Error(`no complete answer within ${timeoutMs} ms`), {
        name: "TimeoutError",
        code: ATTEMPT_TIMEOUT_CODE,
      }),
    );
  }, timeoutMs);
  const onAbort = () => controller.abort(signal.reason);
  signal.addEventListener("abort", onAbort, { once: true });
  const startedAt = clock.now();
  let attemptBody: AttemptBody | undefined;
  try {
    const headers = { ...request.headers };
    if (headers.authorization === undefined) {
      const value = await context.authorization(request);
      if (value !== undefined) headers.authorization = value;
    }
    attemptBody = request.body?.attempt();
    const attempt: AttemptRequest = {
      method: request.method,
      href: request.target.href,
      headers,
      ...(attemptBody ? { body: attemptBody.body } : {}),
      signal: controller.signal,
      errorBodyLimit: ERROR_BODY_READ_LIMIT,
    };
    // POST bodies (up to several MiB) skip fetch's Request/stream wrapping and its copy of the body.
    const response =
      request.method === "POST"
        ? await sendWithRequest(context.dispatcher, attempt)
        : await sendWithFetch(context.dispatcher, attempt);
    return {
      kind: "response",
      status: response.status,
      body: response.body,
      headers: response.headers,
      retryAfter: response.headers["retry-after"] ?? null,
      bytesSent: attemptBody?.bytesSent() ?? 0,
      durationMs: clock.now() - startedAt,
    };
  } catch (error) {
    const classification = classifyAttemptError(request, error, timedOut);
    const bytesSent = attemptBody === undefined || failedBeforeSending(error) ? 0 : attemptBody.bytesSent();
    return { kind: "error", error, classification, bytesSent, durationMs: clock.now() - startedAt };
  } finally {
    clearTimeout(timer);
    signal.removeEventListener("abort", onAbort);
  }
}

/** Our deadline and aborts first; a TLS connection closed before any answer hints at a refused client certificate. */
function classifyAttemptError(request: PreparedRequest, error: unknown, timedOut: boolean): ErrorClassification {
  if (timedOut) {
    return {
      code: "TRANSPORT_TIMEOUT",
      outcome: "timeout",
      retryable: true,
      reason: `no complete answer within ${request.timeoutMs} ms`,
    };
  }
  if (request.signal.aborted) {
    return {
      code: "TRANSPORT_ABORTED",
      outcome: "aborted",
      retryable: false,
      reason: request.closing.aborted ? "the transport is closed" : "aborted by the caller",
    };
  }
  const classification = classifyError(error);
  if (
    classification.code === "TRANSPORT_CONNECTION" &&
    request.target.https &&
    classification.hint === undefined &&
    isSocketClosed(error) &&
    !failedOnReusedSocket(error)
  ) {
    return {
      ...classification,
      hint: `the server closed the TLS connection before answering; ${CLIENT_CERTIFICATE_HINT}`,
    };
  }
  return classification;
}
