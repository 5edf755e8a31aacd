// The build of every published library: ESM (.mjs) + CommonJS (.cjs) + declarations for both
// (.d.mts / .d.cts), for Node 20.18 and later. Dependencies stay external: a library ships its
// own code only, and its package.json lists what it needs.
import { defineConfig } from "tsdown";

/** tsdown config of a library package under packages/: one entry, src/index.ts. */
export function defineLibraryConfig(overrides = {}) {
  return defineConfig({
    entry: ["src/index.ts"],
    format: ["esm", "cjs"],
    platform: "node",
    target: "node20.18",
    outDir: "dist",
    clean: true,
    dts: true,
    fixedExtension: true,
    sourcemap: false,
    // Keep the published manifest as written: publishConfig swaps the exports in at pack time.
    exports: false,
    logLevel: "warn",
    // import.meta.url (createRequire, file paths) works in the CommonJS build too.
    shims: true,
    checks: { pluginTimings: false },
    ...overrides,
  });
}
