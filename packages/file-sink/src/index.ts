export type { RotatingFileWriter, RotatingFileWriterOptions } from "./create-rotating-file-writer.ts";
export { createRotatingFileWriter } from "./create-rotating-file-writer.ts";
export type { FileSinkErrorCode } from "./errors.ts";
export { FileSinkError } from "./errors.ts";
