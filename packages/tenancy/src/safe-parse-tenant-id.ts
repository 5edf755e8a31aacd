import type { Tenant } from "./types.ts";

/** One problem of a tenant_id. */
export interface TenantIdIssue {
  readonly message: string;
  readonly input: unknown;
}

/** The result of safeParseTenantId; `output` is undefined when no tenant is set. */
export type SafeParseTenantIdResult =
  | { readonly success: true; readonly output: Tenant | undefined }
  | { readonly success: false; readonly issues: readonly TenantIdIssue[] };

const UINT32_MAX = 4294967295;
const FORM = /^(\d+)(?::(\d+))?$/;
const MULTITENANT: Tenant = Object.freeze({ kind: "multitenant" });

/** The accepted forms, for error messages. */
export const TENANT_ID_FORMS =
  'use "accountID" (e.g. "5", which means 5:0) or "accountID:projectID" (e.g. "5:7") with integers from 0 to 4294967295, or "multitenant"';

function id(digits: string): number | undefined {
  const value = Number(digits);
  return value <= UINT32_MAX ? value : undefined;
}

/**
 * Parse a vmanomaly `tenant_id` without throwing: `"N"` → N:0, `"N:M"`, `"multitenant"`;
 * `""` or undefined → no tenant (single-node VictoriaMetrics). IDs are uint32; leading zeros
 * are accepted as VictoriaMetrics does (`"007"` is 7); surrounding spaces are not.
 */
export function safeParseTenantId(text: string | undefined): SafeParseTenantIdResult {
  if (text === undefined || text === "") return { success: true, output: undefined };
  const fail = (why: string): SafeParseTenantIdResult => ({
    success: false,
    issues: [{ message: `invalid tenant_id ${JSON.stringify(text)}: ${why}`, input: text }],
  });
  if (typeof text !== "string") return fail(`it must be a string; ${TENANT_ID_FORMS}`);
  if (text === "multitenant") return { success: true, output: MULTITENANT };
  const match = FORM.exec(text);
  if (!match) return fail(TENANT_ID_FORMS);
  const accountId = id(match[1] as string);
  const projectId = match[2] === undefined ? 0 : id(match[2]);
  if (accountId === undefined || projectId === undefined)
    return fail(`IDs must be at most 4294967295 (uint32); ${TENANT_ID_FORMS}`);
  return { success: true, output: Object.freeze({ kind: "account", accountId, projectId }) };
}
