/** A bad tenant_id, datasource URL or option. */
export class TenancyError extends Error {
  override readonly name = "TenancyError";
  readonly code: "TENANT_INVALID" | "DATASOURCE_URL_INVALID" | "OPTIONS_INVALID";
  /** The rejected input, as given. */
  readonly input: unknown;

  constructor(code: TenancyError["code"], message: string, input: unknown, options?: { cause?: unknown }) {
    super(`[tenancy] ${message}`, options);
    this.code = code;
    this.input = input;
  }
}
