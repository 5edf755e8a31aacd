import { createDispatcher } from "./create-dispatcher.ts";
import { describeAttempt } from "./describe-attempt.ts";
import { judgeAttempt } from "./judge-attempt.ts";
import { type PreparedRequest, prepareRequest } from "./prepare-request.ts";
import { abortedError, failedRequestError } from "./request-errors.ts";
import { resolveTransportOptions } from "./resolve-transport-options.ts";
import { type AttemptContext, sendAttempt } from "./send-attempt.ts";
import type {
  AttemptInfo,
  RequestBody,
  RequestOptions,
  Transport,
  TransportOptions,
  TransportResponse,
} from "./transport-options.ts";

/**
 * Create the HTTP client every request of the project goes through, on one undici `Agent` (TLS,
 * mTLS, keep-alive): POST with undici's `request()` (the body sent as is, never copied), GET with
 * ofetch on undici's own `fetch`. It adds basic or bearer auth (a token file is re-read when it
 * changes), a deadline per attempt, the retry policy of spec §4, optional gzip, and a hook per
 * attempt. Secrets never reach errors, hook infos or printed URLs.
 */
export function createTransport(options: TransportOptions = {}): Transport {
  const resolved = resolveTransportOptions(options);
  const { clock, random, onAttempt } = resolved;
  const dispatcher = createDispatcher(resolved);
  const closing = new AbortController();

  const context: AttemptContext = {
    dispatcher,
    clock,
    async authorization(request: PreparedRequest): Promise<string | undefined> {
      switch (resolved.auth.kind) {
        case "basic":
        case "bearer":
          return resolved.auth.header;
        case "bearer-file":
          return `Bearer ${await resolved.auth.source.token()}`;
        case "none":
          return request.target.basicHeader;
      }
    },
  };

  const report = (info: AttemptInfo): void => {
    try {
      onAttempt?.(info);
    } catch {
      // A failing metrics hook must not fail the request.
    }
  };

  /** Attempts until a 2xx, an abort, or the retry policy gives up; each attempt reported once. */
  async function request(
    method: "GET" | "POST",
    url: string,
    body: RequestBody | undefined,
    requestOptions: RequestOptions,
  ): Promise<TransportResponse> {
    const prepared = await prepareRequest(resolved, closing.signal, method, url, body, requestOptions);
    const { signal } = prepared;
    const startedAt = clock.now();
    let attempts = 0;
    let failures = 0;
    let staleRetried = false;
    for (;;) {
      attempts++;
      const outcome = await sendAttempt(prepared, context);
      const step = judgeAttempt(prepared, outcome, { failures, staleRetried }, clock, random);
      if (onAttempt) report(describeAttempt(prepared, attempts, outcome, step));
      switch (step.kind) {
        case "success": {
          const { status, body: text, headers, bytesSent } = step.response;
          return { status, body: text, headers, attempts, bytesSent, durationMs: clock.now() - startedAt };
        }
        case "aborted":
          throw abortedError(prepared, attempts, step.error);
        case "stale-socket":
          staleRetried = true;
          continue;
        case "give-up":
          throw failedRequestError(prepared, step.failure, attempts);
        case "retry":
          failures++;
          try {
            await clock.sleep(step.delayMs, signal);
          } catch (error) {
            if (signal.aborted) throw abortedError(prepared, attempts, error);
            throw error;
          }
          if (signal.aborted) throw abortedError(prepared, attempts);
      }
    }
  }

  return {
    post(url, body, requestOptions = {}) {
      return request("POST", url, body, requestOptions);
    },
    get(url, requestOptions = {}) {
      return request("GET", url, undefined, requestOptions);
    },
    async close() {
      if (closing.signal.aborted) return;
      closing.abort(new Error("the transport is closed"));
      await dispatcher.destroy().catch(() => undefined);
    },
  };
}
