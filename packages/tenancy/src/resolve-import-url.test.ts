import {
  httpSend,
  type NginxServer,
  startNginx,
  startVictoriaMetrics,
  type VictoriaMetricsServer,
} from "@anomaly-writer/test-stack";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TenancyError } from "./errors.ts";
import { resolveImportUrl } from "./resolve-import-url.ts";

describe("resolveImportUrl", () => {
  it.each([
    [{ datasourceUrl: "http://vm:8428" }, "http://vm:8428/api/v1/import"],
    [{ datasourceUrl: "http://vm:8428/" }, "http://vm:8428/api/v1/import"],
    [{ datasourceUrl: "http://vm:8428", tenantId: "" }, "http://vm:8428/api/v1/import"],
    [
      { datasourceUrl: "http://vminsert:8480/", tenantId: "5:7" },
      "http://vminsert:8480/insert/5:7/prometheus/api/v1/import",
    ],
    [
      { datasourceUrl: "http://vminsert:8480", tenantId: "5" },
      "http://vminsert:8480/insert/5:0/prometheus/api/v1/import",
    ],
    [
      { datasourceUrl: "http://vminsert:8480", tenantId: "0:0" },
      "http://vminsert:8480/insert/0:0/prometheus/api/v1/import",
    ],
    [
      { datasourceUrl: "http://vminsert:8480", tenantId: "multitenant" },
      "http://vminsert:8480/insert/multitenant/prometheus/api/v1/import",
    ],
    [
      { datasourceUrl: "http://vminsert:8480", tenantId: { kind: "account", accountId: 3, projectId: 4 } as const },
      "http://vminsert:8480/insert/3:4/prometheus/api/v1/import",
    ],
    [
      { datasourceUrl: "https://proxy.example/vm/", tenantId: "5:7" },
      "https://proxy.example/vm/insert/5:7/prometheus/api/v1/import",
    ],
    [
      { datasourceUrl: "https://proxy.example/vm", tenantId: "5:7" },
      "https://proxy.example/vm/insert/5:7/prometheus/api/v1/import",
    ],
    [{ datasourceUrl: "https://proxy.example/vm//" }, "https://proxy.example/vm/api/v1/import"],
    [{ datasourceUrl: "http://vm:8428", path: "/api/v1/write" }, "http://vm:8428/api/v1/write"],
    [
      { datasourceUrl: "http://vminsert:8480", tenantId: "multitenant", path: "/api/v1/write" },
      "http://vminsert:8480/insert/multitenant/prometheus/api/v1/write",
    ],
    [{ datasourceUrl: "http://vm:8428", importJsonPath: "/custom/import" }, "http://vm:8428/custom/import"],
    [{ datasourceUrl: "http://vm:8428", importJsonPath: "api/v1/import" }, "http://vm:8428/api/v1/import"],
    [{ datasourceUrl: "http://vm:8428", importJsonPath: "" }, "http://vm:8428/api/v1/import"],
    [
      { datasourceUrl: "http://vminsert:8480", tenantId: "5:7", importJsonPath: "/api/v1/import" },
      "http://vminsert:8480/insert/5:7/prometheus/api/v1/import",
    ],
    [
      {
        datasourceUrl: "http://vminsert:8480",
        tenantId: "5:7",
        importJsonPath: "/custom/import",
        path: "/api/v1/write",
      },
      "http://vminsert:8480/insert/5:7/prometheus/custom/import",
    ],
    [{ datasourceUrl: "http://vm:8428/?extra_label=env=prod" }, "http://vm:8428/api/v1/import?extra_label=env=prod"],
    [
      { datasourceUrl: "http://vm:8428/?a=1", importJsonPath: "/api/v1/import?b=2" },
      "http://vm:8428/api/v1/import?a=1&b=2",
    ],
    [{ datasourceUrl: "http://user:pa%3Ass@vm:8428/#frag" }, "http://user:pa%3Ass@vm:8428/api/v1/import"],
  ])("%j → %s", (options, expected) => {
    expect(resolveImportUrl(options)).toBe(expected);
  });

  it("rejects what is not an http(s) URL with DATASOURCE_URL_INVALID", () => {
    for (const datasourceUrl of ["vm:8428", "localhost:8428/", "", "ftp://vm/"]) {
      expect(() => resolveImportUrl({ datasourceUrl })).toThrow(TenancyError);
      expect(() => resolveImportUrl({ datasourceUrl })).toThrow(
        expect.objectContaining({
          code: "DATASOURCE_URL_INVALID",
          message: expect.stringMatching(/^\[tenancy\] datasource_url/),
        }),
      );
    }
  });

  it("rejects a bad tenant with TENANT_INVALID", () => {
    expect(() => resolveImportUrl({ datasourceUrl: "http://vm:8428", tenantId: "5:x" })).toThrow(
      expect.objectContaining({ code: "TENANT_INVALID" }),
    );
    expect(() =>
      resolveImportUrl({ datasourceUrl: "http://vm:8428", tenantId: { kind: "account", accountId: -1, projectId: 0 } }),
    ).toThrow(expect.objectContaining({ code: "TENANT_INVALID" }));
  });
});

describe("resolveImportUrl against real servers", () => {
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

  const line = (name: string, labels: Record<string, string> = {}) =>
    `${JSON.stringify({ metric: { __name__: name, ...labels }, values: [1], timestamps: [1732406400000] })}\n`;
  const post = async (url: string, body: string) =>
    (await httpSend(url, { method: "POST", body, headers: { "content-type": "application/json" } })).status;

  it("writes into tenant 5:7 through the emulated cluster vminsert", async () => {
    expect(await post(resolveImportUrl({ datasourceUrl: cluster.url, tenantId: "5:7" }), line("tn_fixed"))).toBe(204);
    expect((await vm.exportSeries('{__name__="tn_fixed"}')).map((s) => s.metric)).toEqual([
      { __name__: "tn_fixed", vm_account_id: "5", vm_project_id: "7" },
    ]);
  });

  it('writes "5" into tenant 5:0, also with import_json_path and a trailing slash', async () => {
    expect(
      await post(
        resolveImportUrl({ datasourceUrl: `${cluster.url}/`, tenantId: "5", importJsonPath: "/api/v1/import" }),
        line("tn_short"),
      ),
    ).toBe(204);
    expect((await vm.exportSeries('{__name__="tn_short"}')).map((s) => s.metric)).toEqual([
      { __name__: "tn_short", vm_account_id: "5", vm_project_id: "0" },
    ]);
  });

  it("is refused by vminsert without a tenant (which is why cluster configs need tenant_id)", async () => {
    expect(await post(resolveImportUrl({ datasourceUrl: cluster.url }), line("tn_none"))).toBe(400);
  });

  it("writes to a single node directly and behind a path prefix", async () => {
    const proxy = await startNginx({ upstream: vm.url, pathPrefix: "/vm" });
    try {
      expect(await post(resolveImportUrl({ datasourceUrl: vm.url }), line("tn_single", { via: "direct" }))).toBe(204);
      expect(
        await post(resolveImportUrl({ datasourceUrl: `${proxy.url}/` }), line("tn_single", { via: "prefix" })),
      ).toBe(204);
      expect((await vm.exportSeries('{__name__="tn_single"}')).map((s) => s.metric.via)).toEqual(["direct", "prefix"]);
      expect(await proxy.waitForAccessLog((entry) => entry.startsWith("POST /vm/api/v1/import 204"))).toHaveLength(1);
    } finally {
      await proxy.stop();
    }
  });
});
