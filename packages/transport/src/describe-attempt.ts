import type { AttemptStep } from "./judge-attempt.ts";
import type { PreparedRequest } from "./prepare-request.ts";
import { excerpt } from "./request-errors.ts";
import type { AttemptOutcome } from "./send-attempt.ts";
import type { AttemptInfo } from "./transport-options.ts";

/** How much of an error answer the hook's `reason` shows. */
const REASON_BODY_EXCERPT = 200;

/** The hook info of one attempt (`hooks.onAttempt`), from its outcome and what follows it; secrets scrubbed. */
export function describeAttempt(
  request: PreparedRequest,
  attempt: number,
  outcome: AttemptOutcome,
  step: AttemptStep,
): AttemptInfo {
  const ok = step.kind === "success";
  const delayMs = step.kind === "retry" ? step.delayMs : step.kind === "stale-socket" ? 0 : undefined;
  return {
    url: request.target.redacted,
    method: request.method,
    attempt,
    durationMs: outcome.durationMs,
    bytesSent: outcome.bytesSent,
    ...(request.context !== undefined ? { context: request.context } : {}),
    code: codeOf(outcome, step),
    ok,
    willRetry: delayMs !== undefined,
    ...(delayMs !== undefined ? { delayMs } : {}),
    ...(step.kind === "stale-socket" ? { staleSocket: true } : {}),
    ...(outcome.kind === "response" ? { status: outcome.status } : {}),
    ...(ok
      ? {}
      : {
          reason: request.scrub(
            outcome.kind === "response"
              ? `HTTP ${outcome.status}${excerpt(outcome.body, REASON_BODY_EXCERPT)}`
              : outcome.classification.reason,
          ),
        }),
  };
}

/** The vmanomaly `code` label: the status, or the failure's outcome (`aborted` for an abort). */
function codeOf(outcome: AttemptOutcome, step: AttemptStep): string {
  switch (step.kind) {
    case "retry":
    case "give-up":
      return step.failure.classification.outcome;
    case "aborted":
      return "aborted";
    default:
      return outcome.kind === "response" ? String(outcome.status) : outcome.classification.outcome;
  }
}
