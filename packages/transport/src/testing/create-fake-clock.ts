import type { TransportClock } from "../transport-options.ts";

/** A clock whose sleeps return at once and are recorded; `now()` advances by what was slept. */
export interface FakeClock extends TransportClock {
  /** Every requested sleep, in ms. */
  readonly sleeps: number[];
}

/** A {@link TransportClock} for tests: backoff is observed, never waited for. */
export function createFakeClock(): FakeClock {
  const sleeps: number[] = [];
  let slept = 0;
  return {
    sleeps,
    now: () => Date.now() + slept,
    async sleep(ms, signal) {
      signal?.throwIfAborted();
      sleeps.push(ms);
      slept += ms;
    },
  };
}
