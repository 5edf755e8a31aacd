export { createRotatingFileWriter } from "./create-rotating-file-writer.ts";
export type { RotatingFileWriter, RotatingFileWriterOptions } from "./create-rotating-file-writer.ts";
export { FileSinkError } from "./errors.ts";
export type { FileSinkErrorCode } from "./errors.ts";
