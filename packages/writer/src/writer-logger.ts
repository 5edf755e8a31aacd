import type { Logger } from "@anomaly-writer/common";

/** The logging surface the writer uses; a consola instance fits. */
export type WriterLogger = Logger;

export { silentLogger } from "@anomaly-writer/common";
