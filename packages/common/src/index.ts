export { hashLabelSet } from "./hash-label-set.ts";
export { RememberedSet } from "./remembered-set.ts";
export { REDACTED, redactUrl } from "./redact-url.ts";
