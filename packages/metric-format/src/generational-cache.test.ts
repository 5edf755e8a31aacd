import { describe, expect, it } from "vitest";
import { GenerationalCache } from "./generational-cache.ts";

describe("GenerationalCache", () => {
  const fill = (cache: GenerationalCache<Map<string, number>>, key: string) => {
    const group = cache.group(key);
    if (!group.has("x")) {
      group.set("x", 1);
      cache.added();
    }
    return group;
  };

  it("returns the same group while it is used more often than every capacity/2 new members", () => {
    const cache = new GenerationalCache<Map<string, number>>(6);
    const a = fill(cache, "a");
    for (const key of ["b", "c", "a", "d", "e", "a", "f", "g", "a"]) fill(cache, key);
    expect(cache.group("a")).toBe(a);
  });

  it("forgets groups unused for two generations", () => {
    const cache = new GenerationalCache<Map<string, number>>(4);
    const a = fill(cache, "a");
    for (const key of ["b", "c", "d", "e", "f"]) fill(cache, key);
    expect(cache.group("a")).not.toBe(a);
    expect(cache.group("a").size).toBe(0);
  });

  it("stays bounded however many keys pass through", () => {
    const cache = new GenerationalCache<Map<string, number>>(100);
    for (let i = 0; i < 10_000; i++) fill(cache, `k${i}`);
    let kept = 0;
    for (let i = 0; i < 10_000; i++) if (cache.group(`k${i}`).size > 0) kept++;
    expect(kept).toBeLessThanOrEqual(100);
  });
});
