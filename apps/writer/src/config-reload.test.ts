import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort, httpSend, startVictoriaMetrics, type VictoriaMetricsServer } from "@anomaly-writer/test-stack";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { faultRecord, startServe, waitForText } from "./testing/fault-stream.ts";

// serve reloads its config on SIGHUP and, with --watch, when the file changes: new tokens, limits
// and writer settings apply to later requests; a broken file is refused and the running config stays.
const dir = mkdtempSync(join(tmpdir(), "anomaly-writer-reload-"));
let vm: VictoriaMetricsServer;
beforeAll(async () => {
  vm = await startVictoriaMetrics();
});
afterAll(async () => {
  await vm?.stop();
});

const configText = (token: string, source: string, extra = "") => `writer:
  datasource_url: ${vm.url}
  metric_format: {__name__: "reload_$VAR", for: "$QUERY_KEY", source: "${source}"}
  queue:
    path: ${join(dir, "queue")}
ingest_server:
  bearer_token: ${token}
${extra}`;

const post = (base: string, token: string, record: unknown) =>
  httpSend(`${base}/api/v1/outputs`, {
    method: "POST",
    body: JSON.stringify(record),
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
  });
const metric = async (base: string, token: string, name: string) => {
  const text = (await httpSend(`${base}/metrics`, { headers: { authorization: `Bearer ${token}` } })).body;
  return Number(new RegExp(`^${name} (\\S+)$`, "m").exec(text)?.[1]);
};

describe("serve: config reload", () => {
  it("on SIGHUP applies new tokens and writer settings to later requests, keeps the queue, and refuses a broken file by key and line", async () => {
    const file = join(dir, "sighup.yml");
    writeFileSync(file, configText("first-token", "before"));
    const { child, base } = await startServe(file, await freePort());
    try {
      expect((await post(base, "first-token", faultRecord("reload_a", 1))).status).toBe(200);
      writeFileSync(file, configText("second-token", "after"));
      child.kill("SIGHUP");
      await waitForText(() => child.output().stderr, /config reloaded \(SIGHUP\): new writer settings/);
      expect((await post(base, "first-token", faultRecord("reload_a", 2))).status).toBe(401);
      expect((await post(base, "second-token", faultRecord("reload_a", 3))).status).toBe(200);
      expect(await metric(base, "second-token", "anomaly_writer_config_last_reload_successful")).toBe(1);

      // A broken file: refused with its line, the running config (second-token, "after") stays.
      writeFileSync(file, `${configText("third-token", "broken")}  max_body_size: lots\n`);
      child.kill("SIGHUP");
      await waitForText(
        () => child.output().stderr,
        /config reload \(SIGHUP\) refused; the running config stays:[\s\S]*sighup\.yml:\d+:\d+ ingest_server\.max_body_size/,
      );
      expect((await post(base, "third-token", faultRecord("reload_a", 4))).status).toBe(401);
      expect((await post(base, "second-token", faultRecord("reload_a", 5))).status).toBe(200);
      expect(await metric(base, "second-token", "anomaly_writer_config_last_reload_successful")).toBe(0);
      expect(await metric(base, "second-token", "anomaly_writer_config_reload_errors_total")).toBe(1);
    } finally {
      child.kill("SIGTERM");
      await new Promise((resolve) => child.once("exit", resolve));
    }
    const series = await vm.exportSeries('{__name__="reload_anomaly_score",for="reload_a"}');
    const sources = Object.fromEntries(series.map((s) => [s.metric.instance, s.metric.source]));
    // Written before the reload under the old metric_format, after it under the new one.
    expect(sources).toEqual({ r1: "before", r3: "after", r5: "after" });
  });

  it("with --watch reloads when the file changes, without a signal", async () => {
    const file = join(dir, "watch.yml");
    writeFileSync(file, configText("watch-one", "w1").replace(join(dir, "queue"), join(dir, "queue-watch")));
    const port = await freePort();
    const { child, base } = await startServe(file, port, { extraArgs: ["--watch"] });
    try {
      writeFileSync(file, configText("watch-two", "w2").replace(join(dir, "queue"), join(dir, "queue-watch")));
      await waitForText(() => child.output().stderr, /config reloaded \(the file changed\)/);
      expect((await post(base, "watch-one", faultRecord("reload_w", 1))).status).toBe(401);
      expect((await post(base, "watch-two", faultRecord("reload_w", 2))).status).toBe(200);
    } finally {
      child.kill("SIGTERM");
      await new Promise((resolve) => child.once("exit", resolve));
    }
  });
});
