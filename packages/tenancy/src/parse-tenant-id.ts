import { TenancyError } from "./errors.ts";
import { safeParseTenantId } from "./safe-parse-tenant-id.ts";
import type { Tenant } from "./types.ts";

/**
 * Parse a vmanomaly `tenant_id`: `"N"` → N:0, `"N:M"`, `"multitenant"`; `""`/undefined → undefined.
 * Throws TenancyError (code `TENANT_INVALID`) naming the allowed forms.
 */
export function parseTenantId(text: string | undefined): Tenant | undefined {
  const result = safeParseTenantId(text);
  if (!result.success) throw new TenancyError("TENANT_INVALID", result.issues[0]?.message ?? "invalid tenant_id", text);
  return result.output;
}
