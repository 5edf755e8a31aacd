import { createCaptureLogger } from "@anomaly-writer/common";
import { freePort, startNginx, startVictoriaMetrics } from "@anomaly-writer/test-stack";
import { createTransport } from "@anomaly-writer/transport";
import { describe, expect, it } from "vitest";
import { createLimitsSource } from "./create-limits-source.ts";
import { readServerLimits } from "./read-server-limits.ts";

const FORMAT = { __name__: "$VAR", for: "$QUERY_KEY" };
const DAY = 86_400_000;

describe("readServerLimits against real servers", () => {
  it("reads -retentionPeriod, -maxLabelsPerTimeseries and -maxLabelValueLen when set, and says why it cannot", async () => {
    const vm = await startVictoriaMetrics({
      flags: ["-retentionPeriod=2w", "-maxLabelsPerTimeseries=45", "-maxLabelValueLen=1000"],
    });
    const cluster = await startNginx({ upstream: vm.url, cluster: true });
    const transport = createTransport({ timeoutMs: 1000 });
    try {
      const read = await readServerLimits(transport, vm.url);
      expect(read).toMatchObject({
        ok: true,
        limits: { retentionMs: 14 * DAY, maxLabelsPerSeries: 45, maxLabelValueBytes: 1000 },
      });
      // A cluster vminsert (emulated) serves no /flags of a storage node here: not readable.
      expect(await readServerLimits(transport, cluster.url)).toEqual({ ok: false, reason: "GET /flags failed (400)" });
      const port = await freePort();
      expect(await readServerLimits(transport, `http://127.0.0.1:${port}`)).toEqual({
        ok: false,
        reason: "GET /flags failed (connection_error)",
      });
    } finally {
      await transport.close();
      await cluster.stop();
      await vm.stop();
    }
  });
});

describe("createLimitsSource", () => {
  it("uses the defaults while the server cannot be read, says so once, and reads again at most once per interval on writes", async () => {
    const port = await freePort();
    const transport = createTransport({ timeoutMs: 1000 });
    const logger = createCaptureLogger();
    let clock = 0;
    let reads = 0;
    const source = createLimitsSource({
      metricFormat: FORMAT,
      configured: { maxFutureMs: DAY },
      read: () => {
        reads++;
        return readServerLimits(transport, `http://127.0.0.1:${port}`);
      },
      logger,
      retryAfterMs: 60_000,
      now: () => clock,
    });
    await source.refresh();
    expect(source.guard().limits).toMatchObject({
      retentionMs: 31 * DAY,
      maxFutureMs: DAY,
      maxLabelsPerSeries: 30,
      maxLabelValueBytes: 16_384,
    });
    expect(logger.lines.filter((l) => l.includes("cannot read the limits of VictoriaMetrics"))).toHaveLength(1);
    source.refreshIfStale();
    expect(reads).toBe(1);
    const vm = await startVictoriaMetrics({ port });
    try {
      clock += 60_000;
      source.refreshIfStale();
      expect(reads).toBe(2);
      await source.refresh();
      expect(source.guard().limits).toMatchObject({ retentionMs: 36_500 * DAY, maxFutureMs: DAY });
      expect(source.describe()).toContain(
        "now - 100y (VictoriaMetrics -retentionPeriod) to now + 1d (writer.limits.max_future)",
      );
      expect(logger.lines.filter((l) => l.includes("refusing what VictoriaMetrics would not keep"))).toHaveLength(1);
      // Known now: writes do not read it again.
      clock += 120_000;
      source.refreshIfStale();
      expect(reads).toBe(2);
    } finally {
      await transport.close();
      await vm.stop();
    }
  });
});
