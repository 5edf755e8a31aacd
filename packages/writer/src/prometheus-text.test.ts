import { parseConfig } from "@anomaly-writer/config";
import { BACKFILL_LIMITS, makeRecords, startNginx, writerYaml } from "@anomaly-writer/test-stack";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createVmWriter } from "./create-vm-writer.ts";
import {
  exportPoints,
  extremeDouble,
  hostileRecord,
  nonFinite,
  postedPaths,
  propertyRuns,
  rowsInserted,
  useWireStack,
  useWriterPair,
  writeBothWays,
} from "./testing/wire-formats.ts";

const DAY = 86_400_000;
const now = Date.now();
const stack = useWireStack();

/** Multi-point series go as JSON lines either way; their values stay exact in VictoriaMetrics' blocks. */
const plainNumber = fc
  .tuple(fc.integer({ min: -999_999, max: 999_999 }), fc.integer({ min: -6, max: 6 }))
  .map(([m, e]) => Number(`${m}e${e}`));

const record = hostileRecord(
  fc.oneof({ weight: 3, arbitrary: fc.constant(1) }, { weight: 1, arbitrary: fc.integer({ min: 2, max: 4 }) }),
  (count) =>
    fc.oneof({ weight: 4, arbitrary: count === 1 ? extremeDouble : plainNumber }, { weight: 1, arbitrary: nonFinite }),
  ["anomaly_score", "y", "yhat", "yhat_lower", "x.bad"],
);

describe("Prometheus text for single-point series (wire_format auto)", () => {
  const pair = useWriterPair(stack, "text");

  it("reads back the same series and values as JSON lines, for hostile labels and any double (property)", async () => {
    const rowsBefore = await rowsInserted(stack.vm, "prometheus");
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(record, { minLength: 1, maxLength: 6 }), async (generated) => {
        const { viaAuto, viaJson } = await writeBothWays(stack.vm, pair, "text", generated, ++run);
        expect(viaAuto).toEqual(viaJson);
      }),
      propertyRuns(150),
    );
    // Not vacuous: VictoriaMetrics counted samples through its Prometheus import.
    expect((await rowsInserted(stack.vm, "prometheus")) - rowsBefore).toBeGreaterThan(100);
  }, 240_000);
});

describe("the paths of each wire format", () => {
  it("sends single-point records as text and multi-point ones as JSON lines, in requests of one format each", async () => {
    const writer = createVmWriter(parseConfig(writerYaml(stack.proxy.url, BACKFILL_LIMITS)), { maxRequestBytes: 4096 });
    const single = makeRecords({ queryKey: "mixed", count: 60, start: now - DAY });
    const multi = makeRecords({
      queryKey: "mixed",
      count: 20,
      points: 4,
      start: now - 2 * DAY,
      labels: (i) => ({ instance: `multi-${i}`, job: "node" }),
    });
    const logged = stack.proxy.accessLog().length;
    const result = await writer.write(
      single.flatMap((r, i) => (i < 20 ? [r, multi[i] as (typeof multi)[number]] : [r])),
    );
    await writer.close();
    expect(result).toMatchObject({ ok: true, datapoints: 60 * 3 + 20 * 4 * 3 });
    const used = await postedPaths(stack.proxy, logged, result.requests);
    expect(new Set(used)).toEqual(new Set(["/api/v1/import", "/api/v1/import/prometheus"]));
    expect(used.length).toBe(result.requests);
    expect(await exportPoints(stack.vm, '{for="mixed"}', 60 * 3 + 20 * 4 * 3)).toHaveLength(80 * 3);
  });

  it("writes text through a cluster tenant path (/insert/A:P/prometheus/api/v1/import/prometheus) and multitenant", async () => {
    const tenant = createVmWriter(parseConfig(writerYaml(stack.cluster.url, `${BACKFILL_LIMITS}  tenant_id: "3:4"\n`)));
    const logged = stack.cluster.accessLog().length;
    expect(tenant.importUrl).toBe(`${stack.cluster.url}/insert/3:4/prometheus/api/v1/import`);
    expect((await tenant.write(makeRecords({ queryKey: "tenant34", count: 5, start: now - DAY }))).ok).toBe(true);
    await tenant.close();
    const multi = createVmWriter(
      parseConfig(writerYaml(stack.cluster.url, `${BACKFILL_LIMITS}  tenant_id: multitenant\n`)),
    );
    const labels = (i: number) => ({ instance: `m${i}`, vm_account_id: "7", vm_project_id: String(i) });
    expect((await multi.write(makeRecords({ queryKey: "multi", count: 3, start: now - DAY, labels }))).ok).toBe(true);
    await multi.close();
    expect(await postedPaths(stack.cluster, logged, 2)).toEqual([
      "/insert/3:4/prometheus/api/v1/import/prometheus",
      "/insert/multitenant/prometheus/api/v1/import/prometheus",
    ]);
    const back = await exportPoints(stack.vm, '{for="tenant34"}', 15);
    expect(back.map((s) => s.metric)).toContainEqual({
      __name__: "y",
      for: "tenant34",
      instance: "host-2",
      job: "node",
      vm_account_id: "3",
      vm_project_id: "4",
    });
    expect(
      (await exportPoints(stack.vm, '{for="multi",__name__="y"}', 3)).map((s) => [
        s.metric.vm_account_id,
        s.metric.vm_project_id,
      ]),
    ).toEqual([
      ["7", "0"],
      ["7", "1"],
      ["7", "2"],
    ]);
  });

  it("sends only JSON lines with wire_format: json, and to import_json_path when it is set", async () => {
    const logged = stack.proxy.accessLog().length;
    for (const extra of ["  wire_format: json\n", "  import_json_path: /api/v1/import?extra_label=via=path\n"]) {
      const writer = createVmWriter(parseConfig(writerYaml(stack.proxy.url, BACKFILL_LIMITS + extra)));
      expect((await writer.write(makeRecords({ queryKey: "jsononly", count: 4, start: now - DAY }))).ok).toBe(true);
      await writer.close();
    }
    expect(await postedPaths(stack.proxy, logged, 2)).toEqual(["/api/v1/import", "/api/v1/import"]);
    expect((await exportPoints(stack.vm, '{for="jsononly",via="path"}', 12)).length).toBe(12);
  });

  it("probe() checks the Prometheus-text path too, and names wire_format when a receiver lacks it", async () => {
    const partial = await startNginx({
      upstream: stack.vm.url,
      extraServerConfig: "location = /api/v1/import/prometheus { return 404; }",
    });
    try {
      const auto = createVmWriter(parseConfig(writerYaml(partial.url)));
      const probed = await auto.probe();
      await auto.close();
      expect(probed.write).toMatchObject({ ok: false, url: `${partial.url}/api/v1/import/prometheus` });
      expect(probed.write.reason).toContain("wire_format: json");
      const onlyJson = createVmWriter(parseConfig(writerYaml(partial.url, "  wire_format: json\n")));
      expect((await onlyJson.probe()).write.ok).toBe(true);
      await onlyJson.close();
    } finally {
      await partial.stop();
    }
  });
});
