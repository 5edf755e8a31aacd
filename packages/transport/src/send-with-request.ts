import type { Dispatcher } from "undici";
import { readResponseBody } from "./read-response-body.ts";

/** One attempt as it goes on the wire. */
export interface AttemptRequest {
  readonly method: "GET" | "POST";
  /** Absolute http(s) URL without userinfo. */
  readonly href: string;
  readonly headers: Record<string, string>;
  /** Sent as is: bytes (never copied) or an async iterable streamed as it is pulled. */
  readonly body?: Uint8Array | AsyncIterable<Uint8Array>;
  /** Ends the attempt (deadline, caller's abort, `close()`), the response body included. */
  readonly signal: AbortSignal;
  /** How much of a non-2xx body is read; a 2xx body is read whole. */
  readonly errorBodyLimit: number;
}

/** The answer of one attempt, its body read. */
export interface AttemptResponse {
  readonly status: number;
  /** Lowercase names; repeated headers joined with `", "`. */
  readonly headers: Record<string, string>;
  readonly body: string;
}

/**
 * What of a non-2xx body beyond `errorBodyLimit` is read and discarded so that its kept-alive
 * connection can carry the next request (undici's `dump`: a body known or found to be longer is
 * cut off, which closes the connection).
 */
const DRAIN_LIMIT = 128 * 1024;

/**
 * Send one attempt with the dispatcher's own `request()`: the body goes to the socket as it is
 * (no WHATWG Request/stream around it, no copy), redirects are not followed, and the response
 * body is always read to its end, drained or destroyed, so that no connection is left busy.
 * Errors are undici's own (`SocketError`, `ConnectTimeoutError`...), or the signal's reason.
 */
export async function sendWithRequest(dispatcher: Dispatcher, request: AttemptRequest): Promise<AttemptResponse> {
  const url = new URL(request.href);
  const response = await dispatcher.request({
    origin: url.origin,
    path: `${url.pathname}${url.search}`,
    method: request.method,
    headers: request.headers,
    // undici sends a Uint8Array as is and writes an async iterable chunk by chunk (its types omit the latter).
    body: (request.body ?? null) as Uint8Array | null,
    signal: request.signal,
  });
  const body = response.body;
  try {
    const ok = response.statusCode >= 200 && response.statusCode <= 299;
    const text = await readResponseBody(
      body.iterator({ destroyOnReturn: false }) as AsyncIterable<Uint8Array>,
      ok ? Infinity : request.errorBodyLimit,
    );
    // The answer is complete; a failure to drain the rest only costs the connection.
    if (!body.readableEnded) await body.dump({ limit: DRAIN_LIMIT, signal: request.signal }).catch(() => undefined);
    return { status: response.statusCode, headers: flattenHeaders(response.headers), body: text };
  } finally {
    if (!body.destroyed && !body.readableEnded) body.destroy();
  }
}

function flattenHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) out[name.toLowerCase()] = Array.isArray(value) ? value.join(", ") : value;
  }
  return out;
}
