import { describe, expect, it } from "vitest";
import { hashLabelSet } from "./hash-label-set.ts";
import { RememberedSet } from "./remembered-set.ts";

describe("hashLabelSet", () => {
  it("does not depend on the order of the labels", () => {
    expect(hashLabelSet({ a: "1", b: "2" })).toBe(hashLabelSet({ b: "2", a: "1" }));
  });

  it("keeps apart label sets that only differ in where a name or value ends", () => {
    const hashes = [{ ab: "c" }, { a: "bc" }, { a: "b", c: "" }, { abc: "" }, { a: "1" }, { a: "2" }].map(hashLabelSet);
    expect(new Set(hashes).size).toBe(hashes.length);
  });
});

describe("RememberedSet", () => {
  it("answers true only the first time, and forgets the oldest beyond its bound", () => {
    const seen = new RememberedSet(2);
    expect([seen.add(1), seen.add(1), seen.add(2), seen.add(3)]).toEqual([true, false, true, true]);
    expect(seen.add(1)).toBe(true); // forgotten: 1 was the oldest
    expect(seen.add(3)).toBe(false);
  });
});
