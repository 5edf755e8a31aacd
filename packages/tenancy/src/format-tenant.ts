import type { Tenant } from "./types.ts";

/** `"5:7"` or `"multitenant"`: the tenant as it appears in a vminsert path. */
export function formatTenant(tenant: Tenant): string {
  return tenant.kind === "multitenant" ? "multitenant" : `${tenant.accountId}:${tenant.projectId}`;
}
