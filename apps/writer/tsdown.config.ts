import { defineConfig } from "tsdown";

export default defineConfig({
  entry: { main: "src/main.ts" },
  format: "esm",
  platform: "node",
  target: "node20",
  outDir: "dist",
  clean: true,
  deps: {
    // Workspace packages export TypeScript sources: bundle them. Third-party packages stay
    // external (bundling undici's CommonJS breaks it) and are this app's own dependencies.
    alwaysBundle: [/^@anomaly-writer\//],
    neverBundle: [/^(?!@anomaly-writer\/)[a-z@]/],
  },
  outExtensions: () => ({ js: ".mjs" }),
});
