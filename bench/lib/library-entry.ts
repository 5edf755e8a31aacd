/** What the library benchmarks use, bundled by load-built-library.ts as a user's build would ship it. */
export { parseConfig } from "@anomaly-writer/config";
export { createVmWriter } from "@anomaly-writer/writer";
