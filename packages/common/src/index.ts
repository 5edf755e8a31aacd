export { createFileReloader } from "./create-file-reloader.ts";
export type { FileReloader, FileReloaderOptions, FileSnapshot } from "./create-file-reloader.ts";
export { hashLabelSet } from "./hash-label-set.ts";
export { parseRetentionPeriod } from "./parse-retention-period.ts";
export { RememberedSet } from "./remembered-set.ts";
export { REDACTED, redactUrl } from "./redact-url.ts";
