import { describeValue, scalarField } from "./scalar-field.ts";

const UINT32_MAX = 4_294_967_295;

export const TENANT_FORMS = `"N" (accountID), "N:M" (accountID:projectID) or "multitenant", where N and M are integers from 0 to ${UINT32_MAX}`;

/** Normalises a tenant id to `"A:P"` or `"multitenant"`, or says why it is not one. */
export function tryParseTenantId(value: unknown): { ok: true; tenant: string } | { ok: false; reason: string } {
  if (typeof value === "number") {
    if (Number.isInteger(value) && value >= 0 && value <= UINT32_MAX) return { ok: true, tenant: `${value}:0` };
    return { ok: false, reason: `${value} is not a tenant; expected ${TENANT_FORMS}` };
  }
  if (typeof value !== "string") return { ok: false, reason: `must be ${TENANT_FORMS}, got ${describeValue(value)}` };
  const text = value.trim();
  if (text === "multitenant") return { ok: true, tenant: text };
  if (text.toLowerCase() === "multitenant") {
    return { ok: false, reason: `"${text}" is not a tenant: write "multitenant" in lower case` };
  }
  const match = /^(\d+)(?::(\d+))?$/.exec(text);
  if (match) {
    const account = Number(match[1]);
    const project = Number(match[2] ?? "0");
    if (account <= UINT32_MAX && project <= UINT32_MAX) return { ok: true, tenant: `${account}:${project}` };
    return { ok: false, reason: `"${text}" is out of range; expected ${TENANT_FORMS}` };
  }
  return { ok: false, reason: `"${text}" is not a tenant; expected ${TENANT_FORMS}` };
}

/** `tenant_id`: `"N"` → `"N:0"`, `"N:M"`, `"multitenant"`; a YAML integer counts as `"N"`. */
export const TenantIdSchema = scalarField((value, report): string => {
  const result = tryParseTenantId(value);
  if (result.ok) return result.tenant;
  report(result.reason);
  return "";
});
