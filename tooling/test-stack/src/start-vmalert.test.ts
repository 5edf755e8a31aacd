import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startVictoriaMetrics, type VictoriaMetricsServer } from "@anomaly-writer/local-vm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startVmalert } from "./start-vmalert.ts";

let vm: VictoriaMetricsServer;
beforeAll(async () => {
  vm = await startVictoriaMetrics();
});
afterAll(async () => vm?.stop());

describe("startVmalert", () => {
  it("evaluates rules on a VictoriaMetrics, lists firing alerts, notifies and writes ALERTS back", async () => {
    const dir = mkdtempSync(join(tmpdir(), "anomaly-writer-vmalert-test-"));
    const rules = join(dir, "rules.yml");
    writeFileSync(
      rules,
      'groups:\n  - name: g\n    rules:\n      - alert: Always\n        expr: vector(1) > 0\n        labels: {severity: info}\n        annotations: {summary: "always {{ $value }}"}\n',
    );
    const vmalert = await startVmalert({ rules: [rules], datasourceUrl: vm.url, remoteWriteUrl: vm.url });
    try {
      const alert = await vmalert.waitForAlert("Always", "firing");
      expect(alert.labels.severity).toBe("info");
      expect(alert.annotations.summary).toBe("always 1");
      await expect
        .poll(() => vmalert.notifications().map((n) => n.labels.alertname), { timeout: 15_000 })
        .toContain("Always");
      await expect
        .poll(async () => (await vm.exportSeries('ALERTS{alertname="Always"}')).length, {
          timeout: 15_000,
          interval: 200,
        })
        .toBe(1);
    } finally {
      await vmalert.stop();
    }
  });

  it("fails to start with vmalert's reason when a rule file is bad", async () => {
    const dir = mkdtempSync(join(tmpdir(), "anomaly-writer-vmalert-test-"));
    const rules = join(dir, "bad.yml");
    writeFileSync(rules, "groups:\n  - name: g\n    rules:\n      - alert: Bad\n        expr: (\n");
    await expect(startVmalert({ rules: [rules], datasourceUrl: vm.url })).rejects.toThrow(
      /vmalert exited while starting: .*Bad/s,
    );
  });
});
