import { defineConfig } from "tsdown";

export default defineConfig({
  entry: { main: "src/main.ts" },
  format: "esm",
  platform: "node",
  target: "node20",
  outDir: "dist",
  clean: true,
  // Workspace packages export TypeScript sources: bundle them; third-party packages stay external.
  noExternal: [/^@anomaly-writer\//],
  outExtensions: () => ({ js: ".mjs" }),
});
