import {
  httpSend,
  type NginxServer,
  startNginx,
  startVictoriaMetrics,
  type VictoriaMetricsServer,
} from "@anomaly-writer/test-stack";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTenancyChecker } from "./create-tenancy-checker.ts";
import { resolveImportUrl } from "./resolve-import-url.ts";
import type { TenancyWarning, Tenant } from "./types.ts";

const CASE_3 =
  "The label `vm_account_id` was not found in the label set of cpu_rate, but tenant_id='multitenant' is set in writer. " +
  "The data will be written to the default tenant 0:0. Ensure that the query retains the necessary multi-tenant labels, " +
  "or adjust the aggregation settings to preserve `vm_account_id` key in the label set.";
const CASE_4 =
  "The label set for the metric cpu_rate contains multi-tenancy labels, but the write endpoint is configured for single-tenant mode (tenant_id != 'multitenant'). " +
  "Either adjust the query in the reader to avoid multi-tenancy labels or ensure that reserved key `vm_account_id` is not explicitly set for single-tenant environments.";

const collect = (tenantId: string | Tenant | undefined, maxRemembered?: number) => {
  const warnings: TenancyWarning[] = [];
  const checker = createTenancyChecker({
    tenantId,
    onWarning: (w) => warnings.push(w),
    ...(maxRemembered ? { maxRemembered } : {}),
  });
  return { checker, warnings };
};

describe("createTenancyChecker: the four cases of the seed", () => {
  it("case 1: fixed tenant, no tenant labels: silent, lands on the tenant", () => {
    const { checker, warnings } = collect("0:1");
    for (let i = 0; i < 100; i++)
      expect(checker.check({ __name__: "anomaly_score", host: "a" }, "cpu_rate")).toEqual({ tenant: "0:1" });
    expect(warnings).toEqual([]);
  });

  it("case 2: multitenant with vm_account_id: silent, lands on vm_account_id:vm_project_id (missing project → 0)", () => {
    const { checker, warnings } = collect("multitenant");
    for (let i = 0; i < 100; i++) {
      expect(checker.check({ __name__: "a", vm_account_id: "5", vm_project_id: "7" }, "cpu_rate")).toEqual({
        tenant: "5:7",
      });
      expect(checker.check({ __name__: "a", vm_account_id: "5" }, "cpu_rate")).toEqual({ tenant: "5:0" });
      expect(checker.check({ __name__: "a", vm_account_id: "0042", vm_project_id: "4294967295" }, "cpu_rate")).toEqual({
        tenant: "42:4294967295",
      });
    }
    expect(warnings).toEqual([]);
  });

  it("case 3: multitenant without vm_account_id: lands on 0:0, warns once with the seed's wording, however often checked", () => {
    const { checker, warnings } = collect("multitenant");
    const labels = { __name__: "anomaly_score", host: "a" };
    for (let i = 0; i < 100; i++) expect(checker.check(labels, "cpu_rate")).toEqual({ tenant: "0:0" });
    checker.check({ host: "a", __name__: "anomaly_score" }, "cpu_rate"); // same label set, other object and order
    expect(warnings).toEqual([{ kind: "missing_tenant_labels", queryKey: "cpu_rate", labels, message: CASE_3 }]);
  });

  it("case 3 with only vm_project_id: lands on 0:P", () => {
    const { checker, warnings } = collect("multitenant");
    expect(checker.check({ __name__: "a", vm_project_id: "7" }, "cpu_rate")).toEqual({ tenant: "0:7" });
    expect(warnings.map((w) => w.kind)).toEqual(["missing_tenant_labels"]);
    expect(warnings[0]?.message).toContain("will be written to the default tenant 0:7");
  });

  it("case 4: fixed tenant with vm_account_id: written to the fixed tenant, warns once with the seed's wording", () => {
    const { checker, warnings } = collect("0:0");
    const labels = { __name__: "anomaly_score", vm_account_id: "5", vm_project_id: "7" };
    for (let i = 0; i < 100; i++) expect(checker.check(labels, "cpu_rate")).toEqual({ tenant: "0:0" });
    expect(warnings).toEqual([{ kind: "unexpected_tenant_labels", queryKey: "cpu_rate", labels, message: CASE_4 }]);
  });

  it("case 4 also for vm_project_id alone and for a single node (no tenant_id)", () => {
    const fixed = collect("3");
    expect(fixed.checker.check({ __name__: "a", vm_project_id: "1" }, "cpu_rate")).toEqual({ tenant: "3:0" });
    const single = collect(undefined);
    expect(single.checker.check({ __name__: "a", vm_account_id: "1" }, "cpu_rate")).toEqual({ tenant: "" });
    expect(single.checker.check({ __name__: "a" }, "cpu_rate")).toEqual({ tenant: "" });
    expect([...fixed.warnings, ...single.warnings].map((w) => w.kind)).toEqual([
      "unexpected_tenant_labels",
      "unexpected_tenant_labels",
    ]);
  });

  it("warns for each label set, once each", () => {
    const { checker, warnings } = collect("multitenant");
    for (let round = 0; round < 10; round++)
      for (const host of ["a", "b", "c"]) checker.check({ __name__: "x", host }, `q_${host}`);
    expect(warnings.map((w) => [w.queryKey, w.labels.host])).toEqual([
      ["q_a", "a"],
      ["q_b", "b"],
      ["q_c", "c"],
    ]);
    expect(warnings[1]?.message).toContain("not found in the label set of q_b,");
  });

  it("keeps bounded memory: beyond maxRemembered label sets the oldest may warn again", () => {
    const { checker, warnings } = collect("multitenant", 2);
    for (const host of ["a", "b", "c", "a"]) checker.check({ host }, "q");
    expect(warnings.map((w) => w.labels.host)).toEqual(["a", "b", "c", "a"]);
  });

  it("treats a tenant label that is not a uint32 as 0, as vminsert does, and says so", () => {
    const { checker, warnings } = collect("multitenant");
    expect(checker.check({ vm_account_id: "abc", vm_project_id: "2" }, "q")).toEqual({ tenant: "0:2" });
    expect(checker.check({ vm_account_id: "4", vm_project_id: "-2" }, "q")).toEqual({ tenant: "4:0" });
    expect(checker.check({ vm_account_id: "4294967296" }, "q")).toEqual({ tenant: "0:0" });
    expect(warnings.map((w) => w.message)).toEqual([
      "The label `vm_account_id`=\"abc\" in the label set of q is not a valid tenant ID (an integer from 0 to 4294967295), but tenant_id='multitenant' is set in writer. The data will be written to the tenant 0:2.",
      "The label `vm_project_id`=\"-2\" in the label set of q is not a valid tenant ID (an integer from 0 to 4294967295), but tenant_id='multitenant' is set in writer. The data will be written to the tenant 4:0.",
      "The label `vm_account_id`=\"4294967296\" in the label set of q is not a valid tenant ID (an integer from 0 to 4294967295), but tenant_id='multitenant' is set in writer. The data will be written to the tenant 0:0.",
    ]);
  });

  it("takes an empty tenant label as absent (VictoriaMetrics drops empty labels)", () => {
    const fixed = collect("1:1");
    fixed.checker.check({ vm_account_id: "" }, "q");
    expect(fixed.warnings).toEqual([]);
    const multi = collect("multitenant");
    expect(multi.checker.check({ vm_account_id: "" }, "q")).toEqual({ tenant: "0:0" });
    expect(multi.warnings.map((w) => w.kind)).toEqual(["missing_tenant_labels"]);
  });

  it("rejects a bad tenant_id or option", () => {
    expect(() => createTenancyChecker({ tenantId: "x", onWarning: () => undefined })).toThrow(
      expect.objectContaining({ code: "TENANT_INVALID" }),
    );
    expect(() => createTenancyChecker({ maxRemembered: 0, onWarning: () => undefined })).toThrow(
      expect.objectContaining({ code: "OPTIONS_INVALID" }),
    );
  });
});

describe("createTenancyChecker against the emulated cluster", () => {
  let vm: VictoriaMetricsServer;
  let cluster: NginxServer;
  beforeAll(async () => {
    vm = await startVictoriaMetrics();
    cluster = await startNginx({ upstream: vm.url, cluster: true });
  });
  afterAll(async () => {
    await cluster?.stop();
    await vm?.stop();
  });

  const line = (labels: Record<string, string>, round: number) =>
    `${JSON.stringify({ metric: labels, values: [round], timestamps: [1732406400000 + round * 60_000] })}\n`;

  /** Check and write the label sets `rounds` times, one point each, as successive inferences would. */
  const writeAll = async (tenantId: string, labelSets: Record<string, string>[], rounds = 5) => {
    const warnings: TenancyWarning[] = [];
    const checker = createTenancyChecker({ tenantId, onWarning: (w) => warnings.push(w) });
    const url = resolveImportUrl({ datasourceUrl: cluster.url, tenantId });
    const landing: string[] = [];
    for (let round = 0; round < rounds; round++) {
      landing.length = 0;
      for (const labels of labelSets) landing.push(checker.check(labels, "cpu_rate").tenant);
      const res = await httpSend(url, {
        method: "POST",
        body: labelSets.map((labels) => line(labels, round)).join(""),
        headers: { "content-type": "application/json" },
      });
      expect(res.status).toBe(204);
    }
    return { warnings, landing };
  };
  const storedTenant = (metric: Readonly<Record<string, string>>) =>
    `${metric.vm_account_id ?? "0"}:${metric.vm_project_id ?? "0"}`;

  it("multitenant: each series lands on the tenant its labels name, the checker says the same; only case 3 warns, once", async () => {
    const labelSets = [
      { __name__: "tc_multi", host: "a", vm_account_id: "5", vm_project_id: "7" }, // case 2
      { __name__: "tc_multi", host: "b", vm_account_id: "9" }, // case 2, project 0
      { __name__: "tc_multi", host: "c" }, // case 3
    ];
    const { warnings, landing } = await writeAll("multitenant", labelSets);
    expect(landing).toEqual(["5:7", "9:0", "0:0"]);
    const stored = await vm.exportSeries('{__name__="tc_multi"}');
    expect(stored.map((s) => [s.metric.host, storedTenant(s.metric), s.values.length])).toEqual([
      ["a", "5:7", 5],
      ["b", "9:0", 5],
      ["c", "0:0", 5],
    ]);
    expect(warnings).toEqual([
      { kind: "missing_tenant_labels", queryKey: "cpu_rate", labels: labelSets[2], message: CASE_3 },
    ]);
  });

  it("fixed tenant: everything lands on it; case 1 is silent, case 4 warns once", async () => {
    const labelSets = [
      { __name__: "tc_fixed", host: "a" }, // case 1
      { __name__: "tc_fixed", host: "b", vm_account_id: "5" }, // case 4
    ];
    const { warnings, landing } = await writeAll("3:4", labelSets);
    expect(landing).toEqual(["3:4", "3:4"]);
    // vminsert puts the URL's tenant on every series (in this emulation: as extra labels, which win).
    const stored = await vm.exportSeries('{__name__="tc_fixed"}');
    expect(stored.map((s) => [s.metric.host, storedTenant(s.metric)])).toEqual([
      ["a", "3:4"],
      ["b", "3:4"],
    ]);
    expect(warnings).toEqual([
      { kind: "unexpected_tenant_labels", queryKey: "cpu_rate", labels: labelSets[1], message: CASE_4 },
    ]);
  });
});
