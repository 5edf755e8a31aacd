/** Raised when a local server binary is missing or fails to start. */
export class LocalServerError extends Error {
  override readonly name = "LocalServerError";
  readonly code: "LOCAL_VM_BINARY_MISSING" | "LOCAL_VM_START_FAILED" | "LOCAL_VM_REQUEST_FAILED";

  constructor(code: LocalServerError["code"], message: string, options?: { cause?: unknown }) {
    super(`[local-vm] ${message}`, options);
    this.code = code;
  }
}
