/** Before this (1973-03-03T09:46:40Z), a number is not a Unix millisecond timestamp; seconds of today are below it. */
export const MIN_PLAUSIBLE_TIMESTAMP = 1e11;

/** The window of timestamps a target keeps, in Unix milliseconds (inclusive). */
export interface TimestampWindow {
  readonly min: number;
  readonly max: number;
  /** For messages: the retention and the future limit, e.g. `31d`, `2d`. */
  readonly retention: string;
  readonly maxFuture: string;
}

/** ISO 8601 for a millisecond timestamp, or undefined when Date cannot show it. */
export function isoTime(ms: number): string | undefined {
  return Math.abs(ms) <= 8.64e15 ? new Date(ms).toISOString() : undefined;
}

function inWindow(ms: number, window: TimestampWindow): boolean {
  return ms >= Math.max(window.min, MIN_PLAUSIBLE_TIMESTAMP) && ms <= window.max;
}

/**
 * Why a safe-integer timestamp is refused, or undefined when the target keeps it. Timestamps
 * that would fit the window as seconds, microseconds or nanoseconds are named as such.
 */
export function describeTimestamp(ts: number, window: TimestampWindow): string | undefined {
  if (ts >= window.min && ts <= window.max && ts >= MIN_PLAUSIBLE_TIMESTAMP) return undefined;
  if (ts <= 0) return `timestamp ${ts} is not a time: timestamps are Unix milliseconds after 1970`;
  if (ts < MIN_PLAUSIBLE_TIMESTAMP) {
    if (ts * 1000 >= MIN_PLAUSIBLE_TIMESTAMP)
      return `timestamp ${ts} looks like seconds (${isoTime(ts * 1000) ?? "?"} as seconds); timestamps are Unix milliseconds`;
    return `timestamp ${ts} is ${isoTime(ts) ?? "?"}, before 1973: not a Unix millisecond timestamp`;
  }
  if (ts > window.max) {
    if (inWindow(Math.floor(ts / 1000), window))
      return `timestamp ${ts} looks like microseconds (${isoTime(Math.floor(ts / 1000)) ?? "?"} as microseconds); timestamps are Unix milliseconds`;
    if (inWindow(Math.floor(ts / 1e6), window))
      return `timestamp ${ts} looks like nanoseconds (${isoTime(Math.floor(ts / 1e6)) ?? "?"} as nanoseconds); timestamps are Unix milliseconds`;
    return `timestamp ${ts} (${isoTime(ts) ?? "far in the future"}) is more than ${window.maxFuture} ahead of now (latest accepted ${isoTime(window.max) ?? "?"}); VictoriaMetrics drops such samples`;
  }
  return `timestamp ${ts} (${isoTime(ts) ?? "?"}) is older than the retention of ${window.retention} (oldest accepted ${isoTime(window.min) ?? "?"}); VictoriaMetrics drops such samples`;
}

/** A duration for messages: `31d`, `100y`, `2d`, `36h`, `90s`. */
export function formatDuration(ms: number): string {
  const units: [string, number][] = [
    ["y", 365 * 86_400_000],
    ["w", 7 * 86_400_000],
    ["d", 86_400_000],
    ["h", 3_600_000],
    ["m", 60_000],
    ["s", 1000],
  ];
  for (const [unit, size] of units) if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  return ms >= 86_400_000 ? `${(ms / 86_400_000).toFixed(1)}d` : `${Math.round(ms / 1000)}s`;
}
