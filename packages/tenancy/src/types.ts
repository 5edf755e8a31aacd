/** A VictoriaMetrics cluster tenant: a fixed `accountID:projectID`, or `multitenant` (tenant from labels). */
export type Tenant =
  | { readonly kind: "account"; readonly accountId: number; readonly projectId: number }
  | { readonly kind: "multitenant" };

/** What createTenancyChecker reports, once per label set. */
export interface TenancyWarning {
  /**
   * `missing_tenant_labels`: multitenant writer, no (valid) `vm_account_id` label: the series
   * lands on tenant 0 (seed case 3). `unexpected_tenant_labels`: not multitenant, but the
   * label set carries `vm_account_id`/`vm_project_id` (seed case 4).
   */
  readonly kind: "missing_tenant_labels" | "unexpected_tenant_labels";
  readonly queryKey: string;
  readonly labels: Readonly<Record<string, string>>;
  /** vmanomaly's wording with the query key filled in, on one line. */
  readonly message: string;
}
