import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compareLabelNames } from "./compare-label-names.ts";

describe("compareLabelNames", () => {
  it("orders like the UTF-8 bytes (Go's string order)", () => {
    const text = fc.oneof(
      fc.string({ unit: "binary", maxLength: 6 }),
      fc.constantFrom("a", "a\uE000", "a\u{10000}", "a\uFFFF", "a\u{1F600}", ""),
    );
    fc.assert(
      fc.property(text, text, (a, b) => {
        expect(Math.sign(compareLabelNames(a, b))).toBe(Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8")));
      }),
      { numRuns: 500 },
    );
  });
});
