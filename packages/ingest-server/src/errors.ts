/** Raised by the ingest server for options it cannot serve with (files, TLS material, token files). */
export class IngestServerError extends Error {
  override readonly name = "IngestServerError";
  readonly code: "INGEST_SERVER_CONFIG";

  constructor(code: IngestServerError["code"], message: string, options?: { cause?: unknown }) {
    super(`[ingest-server] ${message}`, options);
    this.code = code;
  }
}
