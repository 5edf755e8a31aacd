import type { RetryOptions } from "./transport-options.ts";

/** Defaults of {@link RetryOptions}. */
export const DEFAULT_RETRY = { attempts: 2, baseDelayMs: 1000, maxDelayMs: 60_000, jitter: 0.1 } as const;

/** Options of {@link computeBackoff}. */
export interface BackoffOptions extends RetryOptions {
  /** Jitter source in [0, 1). Default `Math.random`. */
  random?: () => number;
  /** The server's `Retry-After`, in ms: used instead of the exponential delay (capped at `maxDelayMs`, no jitter). */
  retryAfterMs?: number;
}

/**
 * Delay before the attempt after failed attempt number `attempt` (1-based): `baseDelayMs`
 * doubling per attempt up to `maxDelayMs`, plus 0 to `jitter` × that at random. A `Retry-After`
 * from the server wins, capped at `maxDelayMs` so a server cannot park the writer for hours.
 */
export function computeBackoff(attempt: number, options: BackoffOptions = {}): number {
  const maxDelayMs = Math.max(0, options.maxDelayMs ?? DEFAULT_RETRY.maxDelayMs);
  if (options.retryAfterMs !== undefined && Number.isFinite(options.retryAfterMs)) {
    return Math.min(maxDelayMs, Math.max(0, Math.round(options.retryAfterMs)));
  }
  const baseDelayMs = Math.max(0, options.baseDelayMs ?? DEFAULT_RETRY.baseDelayMs);
  const jitter = Math.max(0, options.jitter ?? DEFAULT_RETRY.jitter);
  const random = options.random ?? Math.random;
  const exponent = Math.min(Math.max(1, Math.floor(attempt)) - 1, 60);
  const delay = Math.min(maxDelayMs, baseDelayMs * 2 ** exponent);
  const r = Math.min(1, Math.max(0, random()));
  return Math.round(delay * (1 + jitter * r));
}
