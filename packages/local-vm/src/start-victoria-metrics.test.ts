import { existsSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startVictoriaMetrics, type VictoriaMetricsServer } from "./start-victoria-metrics.ts";

describe("startVictoriaMetrics", () => {
  let vm: VictoriaMetricsServer;
  beforeAll(async () => {
    vm = await startVictoriaMetrics();
  });
  afterAll(async () => {
    await vm?.stop();
  });

  it("serves /health on a loopback port", async () => {
    expect(vm.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const res = await vm.request("/health");
    expect(res.status).toBe(200);
  });

  it("imports a line and exports it back exactly", async () => {
    await vm.importLines(
      '{"metric":{"__name__":"t_roundtrip","a":"x"},"values":[1.5,2],"timestamps":[1732406400000,1732406460000]}\n',
    );
    const series = await vm.exportSeries('{__name__="t_roundtrip"}');
    expect(series).toEqual([
      { metric: { __name__: "t_roundtrip", a: "x" }, values: [1.5, 2], timestamps: [1732406400000, 1732406460000] },
    ]);
  });

  // The tests that stop or kill a VictoriaMetrics start their own, so that the others never see it down.
  it("keeps data across a graceful restart on the same port", async () => {
    const own = await startVictoriaMetrics();
    try {
      await own.importLines('{"metric":{"__name__":"t_restart"},"values":[7],"timestamps":[1732406400000]}\n');
      const port = own.port;
      await own.restart();
      expect(own.port).toBe(port);
      const series = await own.exportSeries('{__name__="t_restart"}');
      expect(series.map((s) => s.values)).toEqual([[7]]);
    } finally {
      await own.stop();
    }
  });

  it("comes back after SIGKILL", async () => {
    const own = await startVictoriaMetrics();
    try {
      const pid = own.pid;
      own.signal("SIGKILL");
      await own.restart();
      expect(own.pid).not.toBe(pid);
      expect((await own.request("/health")).status).toBe(200);
    } finally {
      await own.stop();
    }
  });

  it("removes its temporary directory on stop", async () => {
    const other = await startVictoriaMetrics();
    expect(existsSync(other.dataDir)).toBe(true);
    await other.stop();
    expect(existsSync(other.workDir)).toBe(false);
  });

  it("names the install command when the binary is missing", async () => {
    await expect(startVictoriaMetrics({ binary: "victoria-metrics-nope" })).rejects.toThrow(
      "victoria-metrics-nope not found on PATH: install it with `apt-get install victoria-metrics`",
    );
  });
});

describe("exportSeries", () => {
  it("includes samples stamped now", async () => {
    const vm = await startVictoriaMetrics();
    try {
      const now = Date.now();
      await vm.importLines(`{"metric":{"__name__":"t_now"},"values":[3],"timestamps":[${now}]}\n`);
      expect((await vm.exportSeries('{__name__="t_now"}')).map((s) => s.timestamps)).toEqual([[now]]);
    } finally {
      await vm.stop();
    }
  });
});
