import { TenancyError } from "./errors.ts";
import { parseTenantId } from "./parse-tenant-id.ts";
import { TENANT_ID_FORMS } from "./safe-parse-tenant-id.ts";
import type { Tenant } from "./types.ts";

const isId = (value: unknown) =>
  typeof value === "number" && Number.isInteger(value) && value >= 0 && value <= 4294967295;

/** A tenant_id given as text or as a Tenant, checked. Throws TenancyError `TENANT_INVALID`. */
export function resolveTenant(tenantId: string | Tenant | undefined): Tenant | undefined {
  if (tenantId === undefined || typeof tenantId === "string") return parseTenantId(tenantId);
  if (tenantId.kind === "multitenant") return tenantId;
  if (tenantId.kind === "account" && isId(tenantId.accountId) && isId(tenantId.projectId)) return tenantId;
  throw new TenancyError("TENANT_INVALID", `invalid tenant ${JSON.stringify(tenantId)}: ${TENANT_ID_FORMS}`, tenantId);
}
