import { describe, expect, it } from "vitest";
import { createBodyBufferPool } from "./create-body-buffer-pool.ts";

describe("createBodyBufferPool", () => {
  it("starts small, grows by doubling up to the maximum and keeps what was written", () => {
    const pool = createBodyBufferPool(1024 * 1024, 4);
    const first = pool.take(10);
    expect(first.length).toBe(64 * 1024);
    first.write("hello", 0, "latin1");
    const grown = pool.grow(first, 5, 64 * 1024 + 1);
    expect(grown.length).toBe(128 * 1024);
    expect(grown.toString("latin1", 0, 5)).toBe("hello");
    expect(pool.grow(grown, 5, 1024 * 1024).length).toBe(1024 * 1024);
  });

  it("reuses released buffers, the largest first, and keeps at most `keep` of them", () => {
    const pool = createBodyBufferPool(1024 * 1024, 2);
    const a = pool.take(1);
    const b = pool.take(200 * 1024);
    const c = pool.take(1024 * 1024);
    pool.release(b);
    pool.release(c);
    pool.release(a); // over the limit: the smallest (a) goes
    expect(pool.take(1)).toBe(c);
    expect(pool.take(1)).toBe(b);
    expect(pool.take(1)).not.toBe(a);
  });

  it("allocates when no idle buffer is large enough", () => {
    const pool = createBodyBufferPool(1024 * 1024, 4);
    const small = pool.take(1);
    pool.release(small);
    const big = pool.take(100 * 1024);
    expect(big).not.toBe(small);
    expect(big.length).toBeGreaterThanOrEqual(100 * 1024);
    expect(pool.take(1)).toBe(small);
  });
});
