import { Counter, Histogram, Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { formatPushBody } from "./format-push-body.ts";
import { parseExposition } from "./testing/parse-exposition.ts";

describe("formatPushBody", () => {
  it("sets the push labels on every sample, over the sample's own, and escapes values", async () => {
    const registry = new Registry();
    new Counter({ name: "c_total", help: "h", labelNames: ["job", "k"], registers: [registry] }).inc(
      { job: "mine", k: 'a"b\\c\nd' },
      2,
    );
    new Histogram({ name: "h_seconds", help: "h", buckets: [0.5], registers: [registry] }).observe(0.1);
    new Counter({ name: "unused_total", help: "h", labelNames: ["x"], registers: [registry] });
    const body = await formatPushBody(registry, { job: "vmanomaly", instance: "host:8080" });
    const parsed = parseExposition(body);
    expect(parsed.value("c_total", { job: "vmanomaly", k: 'a"b\\c\nd', instance: "host:8080" })).toBe(2);
    expect(parsed.value("h_seconds_bucket", { le: "0.5", job: "vmanomaly", instance: "host:8080" })).toBe(1);
    expect(parsed.value("h_seconds_bucket", { le: "+Inf", job: "vmanomaly", instance: "host:8080" })).toBe(1);
    expect(parsed.value("h_seconds_count", { job: "vmanomaly", instance: "host:8080" })).toBe(1);
    expect(parsed.value("h_seconds_sum", { job: "vmanomaly", instance: "host:8080" })).toBe(0.1);
    expect(parsed.find("unused_total")).toHaveLength(0);
    expect(parsed.types.get("h_seconds")).toBe("histogram");
    expect(body.endsWith("\n")).toBe(true);
  });

  it("is empty for an empty registry", async () => {
    expect(await formatPushBody(new Registry(), { job: "x" })).toBe("");
  });
});
