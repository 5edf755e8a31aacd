import { readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { CLI } from "./testing/run-cli.ts";

describe("the bundle", () => {
  it("imports only packages that are this app's own dependencies (they stay external)", () => {
    // The entry and the chunks it loads on demand (the remote-write encoder).
    const dist = dirname(CLI);
    const code = readdirSync(dist)
      .filter((f) => f.endsWith(".mjs"))
      .map((f) => readFileSync(join(dist, f), "utf8"))
      .join("\n");
    const imported = new Set([...code.matchAll(/(?:from|import\()\s*"([^"]+)"/g)].map((m) => m[1] ?? ""));
    const packages = [...imported]
      .filter((s) => !s.startsWith("node:") && !s.startsWith("."))
      .map((s) => (s.startsWith("@") ? s.split("/").slice(0, 2).join("/") : (s.split("/")[0] ?? s)));
    const manifest = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as {
      dependencies: Record<string, string>;
    };
    const missing = [...new Set(packages)].filter((name) => !(name in manifest.dependencies));
    expect(missing).toEqual([]);
    expect(packages.some((p) => p.startsWith("@anomaly-writer/"))).toBe(false);
  });
});
