import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["src/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Real servers on a 2-core machine: keep parallelism modest.
    maxWorkers: 2,
  },
});
