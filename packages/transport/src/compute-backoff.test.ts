import { describe, expect, it } from "vitest";
import { computeBackoff } from "./compute-backoff.ts";

describe("computeBackoff", () => {
  it("starts at 1 s and doubles up to 60 s", () => {
    const delays = Array.from({ length: 9 }, (_, i) => computeBackoff(i + 1, { random: () => 0 }));
    expect(delays).toEqual([1000, 2000, 4000, 8000, 16_000, 32_000, 60_000, 60_000, 60_000]);
  });

  it("adds 0-10 % jitter on top", () => {
    expect(computeBackoff(1, { random: () => 0.5 })).toBe(1050);
    expect(computeBackoff(1, { random: () => 0.999999 })).toBe(1100);
    expect(computeBackoff(7, { random: () => 0.999999 })).toBe(66_000);
    for (let i = 0; i < 200; i++) {
      const delay = computeBackoff(3);
      expect(delay).toBeGreaterThanOrEqual(4000);
      expect(delay).toBeLessThanOrEqual(4400);
    }
  });

  it("takes its parameters from the options", () => {
    expect(computeBackoff(3, { baseDelayMs: 100, maxDelayMs: 250, jitter: 0, random: () => 0.7 })).toBe(250);
    expect(computeBackoff(2, { baseDelayMs: 100, jitter: 0.5, random: () => 1 })).toBe(300);
  });

  it("never overflows, even after a very long outage (attempts: Infinity)", () => {
    expect(computeBackoff(1e9, { random: () => 0 })).toBe(60_000);
    expect(computeBackoff(0, { random: () => 0 })).toBe(1000);
  });

  it("uses a Retry-After delay as given, capped at maxDelayMs, without jitter", () => {
    expect(computeBackoff(5, { retryAfterMs: 1000, random: () => 0.9 })).toBe(1000);
    expect(computeBackoff(1, { retryAfterMs: 0 })).toBe(0);
    expect(computeBackoff(1, { retryAfterMs: 3_600_000 })).toBe(60_000);
    expect(computeBackoff(1, { retryAfterMs: 3_600_000, maxDelayMs: 120_000 })).toBe(120_000);
  });
});
