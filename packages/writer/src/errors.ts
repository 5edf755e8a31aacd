/** Raised by the writer library for misuse and configuration it cannot act on. */
export class WriterError extends Error {
  override readonly name = "WriterError";
  readonly code: "WRITER_CLOSED" | "WRITER_CONFIG" | "WRITER_INPUT" | "WRITER_QUEUE_FULL" | "WRITER_INTERNAL";

  constructor(code: WriterError["code"], message: string, options?: { cause?: unknown }) {
    super(`[writer] ${message}`, options);
    this.code = code;
  }
}
