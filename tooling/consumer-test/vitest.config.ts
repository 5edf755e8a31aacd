import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["src/**/*.test.ts"],
    // Publishing and installing from a real registry: minutes, not seconds.
    testTimeout: 300_000,
    hookTimeout: 300_000,
    // The checks share one registry, one publish and one install per project, and are independent
    // of each other: they run side by side (most of their time is spent waiting on npm or a child).
    sequence: { concurrent: true },
    maxConcurrency: 4,
  },
});
