import { hashLabelSet, RememberedSet } from "@anomaly-writer/common";
import { TenancyError } from "./errors.ts";
import { formatTenant } from "./format-tenant.ts";
import { resolveTenant } from "./resolve-tenant.ts";
import type { TenancyWarning, Tenant } from "./types.ts";

/** Options of createTenancyChecker. */
export interface TenancyCheckerOptions {
  /** The writer's tenant_id (text or parsed); unset for single-node VictoriaMetrics. */
  readonly tenantId?: string | Tenant | undefined;
  /** How many warned label sets are remembered to warn once each. Default 10 000. */
  readonly maxRemembered?: number;
  readonly onWarning: (warning: TenancyWarning) => void;
}

/** Where a series lands. */
export interface TenancyCheck {
  /** `"A:P"`; `""` without a tenant_id (single node: no tenants). */
  readonly tenant: string;
}

/** Checks output label sets against the writer's tenant_id (seed "Multitenancy support"). */
export interface TenancyChecker {
  check(labels: Readonly<Record<string, string>>, queryKey: string): TenancyCheck;
}

const ACCOUNT = "vm_account_id";
const PROJECT = "vm_project_id";

/** vminsert reads a tenant label as uint32 and takes 0 for anything else. */
function tenantLabel(value: string | undefined): number | undefined {
  if (value === undefined || !/^\d+$/.test(value)) return undefined;
  const id = Number(value);
  return id <= 4294967295 ? id : undefined;
}

const missingAccount = (queryKey: string, landing: string) =>
  `The label \`vm_account_id\` was not found in the label set of ${queryKey}, but tenant_id='multitenant' is set in writer. ` +
  `The data will be written to the default tenant ${landing}. Ensure that the query retains the necessary multi-tenant labels, ` +
  "or adjust the aggregation settings to preserve `vm_account_id` key in the label set.";

const invalidLabel = (queryKey: string, name: string, value: string, landing: string) =>
  `The label \`${name}\`=${JSON.stringify(value)} in the label set of ${queryKey} is not a valid tenant ID (an integer from 0 to 4294967295), ` +
  `but tenant_id='multitenant' is set in writer. The data will be written to the tenant ${landing}.`;

const unexpectedLabels = (queryKey: string) =>
  `The label set for the metric ${queryKey} contains multi-tenancy labels, but the write endpoint is configured for single-tenant mode (tenant_id != 'multitenant'). ` +
  "Either adjust the query in the reader to avoid multi-tenancy labels or ensure that reserved key `vm_account_id` is not explicitly set for single-tenant environments.";

/**
 * The four cases of vmanomaly's "Multitenancy support":
 * 1. fixed tenant (or none), no tenant labels: silent, lands on the tenant;
 * 2. multitenant with `vm_account_id`: silent, lands on `vm_account_id:vm_project_id` (missing project → 0);
 * 3. multitenant without `vm_account_id`: warns, lands on 0:0 (`0:vm_project_id` when that is set);
 * 4. fixed tenant (or none) with `vm_account_id` or `vm_project_id`: warns, lands on the fixed tenant.
 * A tenant label that is not a uint32 counts as 0 (as vminsert reads it) and warns in multitenant mode.
 * Each label set warns once (memory bounded by `maxRemembered`), however often it is checked.
 */
export function createTenancyChecker(options: TenancyCheckerOptions): TenancyChecker {
  const tenant = resolveTenant(options.tenantId);
  const maxRemembered = options.maxRemembered ?? 10_000;
  if (!Number.isSafeInteger(maxRemembered) || maxRemembered < 1) {
    throw new TenancyError(
      "OPTIONS_INVALID",
      `maxRemembered must be a positive integer, got ${String(maxRemembered)}`,
      maxRemembered,
    );
  }
  const remembered = new RememberedSet(maxRemembered);
  const onWarning = options.onWarning;
  const warn = (
    kind: TenancyWarning["kind"],
    labels: Readonly<Record<string, string>>,
    queryKey: string,
    message: string,
  ) => {
    if (remembered.add(hashLabelSet(labels))) onWarning({ kind, queryKey, labels, message });
  };

  if (tenant?.kind !== "multitenant") {
    const fixed: TenancyCheck = Object.freeze({ tenant: tenant === undefined ? "" : formatTenant(tenant) });
    return {
      check(labels, queryKey) {
        // An empty value is no label (VictoriaMetrics drops it).
        if (labels[ACCOUNT] || labels[PROJECT])
          warn("unexpected_tenant_labels", labels, queryKey, unexpectedLabels(queryKey));
        return fixed;
      },
    };
  }

  return {
    check(labels, queryKey) {
      const accountText = labels[ACCOUNT] || undefined;
      const projectText = labels[PROJECT] || undefined;
      const account = tenantLabel(accountText);
      const project = tenantLabel(projectText);
      const landing = `${account ?? 0}:${project ?? 0}`;
      if (accountText === undefined) warn("missing_tenant_labels", labels, queryKey, missingAccount(queryKey, landing));
      else if (account === undefined)
        warn("missing_tenant_labels", labels, queryKey, invalidLabel(queryKey, ACCOUNT, accountText, landing));
      else if (projectText !== undefined && project === undefined)
        warn("missing_tenant_labels", labels, queryKey, invalidLabel(queryKey, PROJECT, projectText, landing));
      return { tenant: landing };
    },
  };
}
