import { isSocketClosed } from "./classify-error.ts";
import { classifyStatus } from "./classify-status.ts";
import { computeBackoff } from "./compute-backoff.ts";
import { parseRetryAfter } from "./parse-retry-after.ts";
import type { PreparedRequest } from "./prepare-request.ts";
import type { RequestFailure } from "./request-errors.ts";
import type { AttemptOutcome } from "./send-attempt.ts";
import { failedOnReusedSocket } from "./track-socket-reuse.ts";
import type { TransportClock } from "./transport-options.ts";

/** An outcome that is an answer. */
type AttemptResponse = Extract<AttemptOutcome, { kind: "response" }>;

/** What follows an attempt. */
export type AttemptStep =
  | { readonly kind: "success"; readonly response: AttemptResponse }
  | { readonly kind: "aborted"; readonly error: unknown }
  /** A kept-alive connection the server had closed: one immediate retry, not counted as a failure. */
  | { readonly kind: "stale-socket" }
  /** A counted failure, tried again after `delayMs`. */
  | { readonly kind: "retry"; readonly failure: RequestFailure; readonly delayMs: number }
  /** A counted failure that ends the request. */
  | { readonly kind: "give-up"; readonly failure: RequestFailure };

/** The retry state of a request before the attempt is judged. */
export interface RetryState {
  /** Failures counted against `policy.attempts` so far. */
  readonly failures: number;
  /** The one stale-socket retry was already made. */
  readonly staleRetried: boolean;
}

/** Apply the retry policy of spec §4 to an attempt's outcome (statuses by `classifyStatus`, `Retry-After` honoured). */
export function judgeAttempt(
  request: PreparedRequest,
  outcome: AttemptOutcome,
  state: RetryState,
  clock: TransportClock,
  random: () => number,
): AttemptStep {
  if (outcome.kind === "response" && outcome.status >= 200 && outcome.status <= 299)
    return { kind: "success", response: outcome };
  if (outcome.kind === "error" && outcome.classification.code === "TRANSPORT_ABORTED")
    return { kind: "aborted", error: outcome.error };
  if (
    outcome.kind === "error" &&
    !state.staleRetried &&
    outcome.classification.code === "TRANSPORT_CONNECTION" &&
    isSocketClosed(outcome.error) &&
    failedOnReusedSocket(outcome.error)
  ) {
    return { kind: "stale-socket" };
  }
  const failures = state.failures + 1;
  const failure: RequestFailure =
    outcome.kind === "response"
      ? {
          kind: "response",
          status: outcome.status,
          body: outcome.body,
          classification: classifyStatus(outcome.status, outcome.body),
        }
      : { kind: "error", error: outcome.error, classification: outcome.classification };
  const willRetry = failure.classification.retryable && failures < request.policy.attempts && !request.signal.aborted;
  if (!willRetry) return { kind: "give-up", failure };
  const retryAfterMs = outcome.kind === "response" ? parseRetryAfter(outcome.retryAfter, clock.now()) : undefined;
  const delayMs = computeBackoff(failures, {
    ...request.policy,
    random,
    ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
  });
  return { kind: "retry", failure, delayMs };
}
