import { describe, expect, it } from "vitest";
import { parseExposition } from "./parse-exposition.ts";

describe("parseExposition (test helper)", () => {
  it("reads samples, escapes, types and special values", () => {
    const parsed = parseExposition(
      [
        "# HELP a_total Some help.",
        "# TYPE a_total counter",
        'a_total{x="1",y="q\\"uote\\\\back\\nline"} 3',
        "b 1.5e3 1732406400000",
        'h_bucket{le="+Inf"} +Inf',
        "n NaN",
        "",
      ].join("\n"),
    );
    expect(parsed.types.get("a_total")).toBe("counter");
    expect(parsed.help.get("a_total")).toBe("Some help.");
    expect(parsed.value("a_total", { x: "1", y: 'q"uote\\back\nline' })).toBe(3);
    expect(parsed.value("b")).toBe(1500);
    expect(parsed.value("h_bucket", { le: "+Inf" })).toBe(Infinity);
    expect(parsed.value("n")).toBeNaN();
    expect(parsed.find("a_total", { x: "1" })).toHaveLength(1);
    expect(() => parsed.value("a_total", { x: "1" })).toThrow(/found 0/);
  });

  it("rejects malformed lines", () => {
    expect(() => parseExposition('a{x="1} 1')).toThrow(/unterminated/);
    expect(() => parseExposition("a{x=1} 1")).toThrow(/="value"/);
    expect(() => parseExposition("a one")).toThrow(/bad value/);
    expect(() => parseExposition('a{x="1",x="2"} 1')).toThrow(/duplicate/);
  });
});
