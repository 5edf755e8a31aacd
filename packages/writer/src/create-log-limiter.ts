import type { WriterLogger } from "./writer-logger.ts";

/** Options of {@link createLogLimiter}. */
export interface LogLimiterOptions {
  /** One line per kind of message in this many milliseconds; the others are counted. Default 10 000. */
  readonly intervalMs?: number;
  /** Monotonic milliseconds. Default `performance.now`. */
  readonly now?: () => number;
}

/** Logs at most one line per kind of message per interval. */
export interface LogLimiter {
  /** Log `message` at `level` unless a line of the same `kind` was logged less than an interval ago. */
  log(level: "info" | "warn" | "error", kind: string, message: string): void;
}

interface KindState {
  last: number;
  suppressed: number;
}

/**
 * Rate-limit repeated log lines: the first line of a kind is logged, later ones within `intervalMs`
 * are counted, and the next line logged for that kind says how many were left out
 * (`(12 similar lines suppressed in the last 10s)`). Kinds are a small fixed set (never a
 * client-sent value), so memory stays bounded.
 */
export function createLogLimiter(logger: WriterLogger, options: LogLimiterOptions = {}): LogLimiter {
  const intervalMs = options.intervalMs ?? 10_000;
  const now = options.now ?? (() => performance.now());
  const kinds = new Map<string, KindState>();
  return {
    log(level, kind, message) {
      const at = now();
      const state = kinds.get(kind);
      if (state !== undefined && at - state.last < intervalMs) {
        state.suppressed++;
        return;
      }
      const note =
        state !== undefined && state.suppressed > 0
          ? ` (${state.suppressed} similar line${state.suppressed === 1 ? "" : "s"} suppressed in the last ${Math.round((at - state.last) / 1000)}s)`
          : "";
      kinds.set(kind, { last: at, suppressed: 0 });
      logger[level](`${message}${note}`);
    },
  };
}
