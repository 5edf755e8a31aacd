import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { findBinary } from "@anomaly-writer/local-vm";
import {
  checkVmalertRules,
  freePort,
  httpSend,
  type NginxServer,
  startNginx,
  startVictoriaMetrics,
  startVmalert,
  type VictoriaMetricsServer,
  type VmalertAlert,
  type VmalertServer,
} from "@anomaly-writer/test-stack";
import { afterAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { faultRecord, startServe } from "./testing/fault-stream.ts";
import { finished } from "./testing/run-cli.ts";

// The shipped rules file, loaded as it is (no `for:` is shortened): rules whose expression
// matches at once with `for` unset must fire; those with a `for` must at least be pending.
const RULES = fileURLToPath(new URL("../../../deploy/alerts/anomaly-writer.rules.yml", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "aw-alert-rules-"));
const stops: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const stop of stops.reverse()) await stop().catch(() => undefined);
});

describe("deploy/alerts/anomaly-writer.rules.yml", () => {
  it("is valid for vmalert -dryRun and for promtool", () => {
    const check = checkVmalertRules([RULES]);
    expect(check.problems).toEqual([]);
    expect(check.ok).toBe(true);
    const promtool = spawnSync(findBinary("promtool", "apt-get install prometheus"), ["check", "rules", RULES], {
      encoding: "utf8",
    });
    expect(promtool.stdout).toContain("SUCCESS: 10 rules found");
    expect(promtool.status).toBe(0);
  });

  it("every rule has a severity label and summary/description annotations", () => {
    const doc = parse(readFileSync(RULES, "utf8")) as {
      groups: { rules: { alert: string; labels?: Record<string, string>; annotations?: Record<string, string> }[] }[];
    };
    const rules = doc.groups.flatMap((g) => g.rules);
    expect(rules.length).toBe(10);
    for (const rule of rules) {
      expect([rule.alert, rule.labels?.severity]).toEqual([rule.alert, expect.stringMatching(/^(critical|warning)$/)]);
      expect(rule.annotations?.summary, rule.alert).toBeTruthy();
      expect(rule.annotations?.description, rule.alert).toBeTruthy();
    }
  });

  it("vmalert -dryRun refuses a copy with a broken expression, naming the rule (the check can fail)", () => {
    const broken = join(dir, "broken.rules.yml");
    writeFileSync(
      broken,
      readFileSync(RULES, "utf8").replace(
        "expr: anomaly_writer_queue_pending_bytes > 536870912",
        "expr: anomaly_writer_queue_pending_bytes > (536870912",
      ),
    );
    const check = checkVmalertRules([broken]);
    expect(check.ok).toBe(false);
    expect(check.problems.join("\n")).toContain('"AnomalyWriterQueueLarge"');
  });

  it("fires in a real vmalert that evaluates a VictoriaMetrics scraping two real writers", async () => {
    const { a, b, proxy, refusing, metrics, vmalert } = await startAlertStack();
    const post = (base: string, records: unknown[]) =>
      httpSend(`${base}/api/v1/outputs`, { method: "POST", body: JSON.stringify(records) });
    // 150 datapoints in one request: the dead-letter counter appears at 150, which increase()
    // alone may not count as an increase (VictoriaMetrics guesses where a new counter started).
    expect(
      (
        await post(
          a.base,
          Array.from({ length: 150 }, (_, n) => faultRecord("alert_a", n)),
        )
      ).status,
    ).toBe(200);
    expect(
      (
        await post(
          a.base,
          Array.from({ length: 1500 }, (_, n) => faultRecord("alert_a_big", n)),
        )
      ).status,
    ).toBe(413);
    expect((await post(b.base, [faultRecord("alert_b", 1)])).status).toBe(200);

    const ofA = (alert: VmalertAlert) => alert.labels.instance === a.instance;
    const ofB = (alert: VmalertAlert) => alert.labels.instance === b.instance;
    // Writer A keeps failing while we wait, so that its error ratio has a rate to compute.
    // VictoriaMetrics 1.79 makes freshly scraped samples searchable only after ~10 s by itself;
    // /internal/force_flush makes them searchable at once, which keeps this test short.
    let n = 1000;
    const keepFailing = setInterval(() => {
      void post(a.base, [faultRecord("alert_a", n++)]).catch(() => undefined);
      void metrics.flush().catch(() => undefined);
    }, 300);
    try {
      const [deadLetters, , , credentials] = await Promise.all([
        vmalert.waitForAlert("AnomalyWriterDeadLetters", "firing", { match: ofA }),
        vmalert.waitForAlert("AnomalyWriterDroppedDatapoints", "firing", {
          match: (x) => ofA(x) && x.labels.reason === "permanent_error",
        }),
        vmalert.waitForAlert("AnomalyWriterIngestRejected", "firing", {
          match: (x) => ofA(x) && x.labels.reason === "body_too_large",
        }),
        vmalert.waitForAlert("AnomalyWriterCredentialsRefused", "firing", { match: ofB }),
      ]);
      expect(deadLetters.annotations.summary).toBe(
        `anomaly-writer ${a.instance}: datapoints refused for good by ${proxy.url}/api/v1/import`,
      );
      expect(credentials.labels.severity).toBe("critical");
      // `for: 10m`: pending is as far as it gets here; its value is the error ratio.
      const errorRate = await vmalert.waitForAlert("AnomalyWriterHighWriteErrorRate", "pending", { match: ofA });
      expect(Number(errorRate.value)).toBe(1);
      // Each alert is about the writer it concerns only.
      const held = await vmalert.alerts();
      expect(held.filter((x) => x.name === "AnomalyWriterCredentialsRefused" && ofA(x))).toEqual([]);
      expect(held.filter((x) => x.name === "AnomalyWriterDeadLetters" && ofB(x))).toEqual([]);

      // Written back as ALERTS series, and sent to the notifier.
      const firingSeries = async () =>
        new Set((await metrics.exportSeries('ALERTS{alertstate="firing"}')).map((s) => s.metric.alertname));
      await expect
        .poll(firingSeries, { timeout: 15_000, interval: 200 })
        .toEqual(
          new Set([
            "AnomalyWriterDeadLetters",
            "AnomalyWriterDroppedDatapoints",
            "AnomalyWriterIngestRejected",
            "AnomalyWriterCredentialsRefused",
          ]),
        );
      const notified = () =>
        vmalert
          .notifications()
          .some(
            (x) =>
              x.labels.alertname === "AnomalyWriterCredentialsRefused" && x.annotations.summary?.includes(refusing.url),
          );
      await expect.poll(notified, { timeout: 15_000 }).toBe(true);

      // Writer B killed: its scrape fails, and AnomalyWriterDown becomes pending (for: 2m).
      b.child.kill("SIGKILL");
      await finished(b.child);
      await vmalert.waitForAlert("AnomalyWriterDown", "pending", { match: ofB });
    } finally {
      clearInterval(keepFailing);
    }
    a.child.kill("SIGTERM");
    expect((await finished(a.child)).code).toBe(0);
  }, 90_000);
});

/**
 * Writer A sends into a proxy that refuses every import (JSON lines and Prometheus text) with 400 (dead letters); writer B into a
 * VictoriaMetrics that demands credentials B does not have (401: credential stop). A second
 * VictoriaMetrics scrapes both every second (job "anomaly-writer"); vmalert evaluates the rules
 * file on it every second and writes the alert states back into it.
 */
async function startAlertStack() {
  const refusing = await startVictoriaMetrics({ auth: { username: "vm", password: "vm-secret-in-test" } });
  stops.push(() => refusing.stop());
  const proxy: NginxServer = await startNginx({
    upstream: refusing.url,
    extraServerConfig: 'location ^~ /api/v1/import { return 400 "refused by the test proxy\\n"; }',
  });
  stops.push(() => proxy.stop());
  const config = (name: string, url: string, extra = "") => {
    const path = join(dir, `${name}.yml`);
    writeFileSync(
      path,
      `writer:\n  datasource_url: ${url}\n  timeout: 1s\n  queue:\n    path: ${join(dir, `queue-${name}`)}\n${extra}`,
    );
    return path;
  };
  const writer = async (name: string, url: string, extra?: string) => {
    const port = await freePort();
    const serve = await startServe(config(name, url, extra), port);
    stops.push(async () => serve.child.kill("SIGKILL"));
    return { ...serve, instance: `127.0.0.1:${port}` };
  };
  const a = await writer("a", proxy.url, "ingest_server:\n  max_body_size: 64KiB\n");
  const b = await writer("b", refusing.url);
  const scrape = join(dir, "scrape.yml");
  writeFileSync(
    scrape,
    `scrape_configs:\n  - job_name: anomaly-writer\n    scrape_interval: 1s\n    static_configs:\n      - targets: ["${a.instance}", "${b.instance}"]\n`,
  );
  const metrics: VictoriaMetricsServer = await startVictoriaMetrics({ flags: [`-promscrape.config=${scrape}`] });
  stops.push(() => metrics.stop());
  const vmalert: VmalertServer = await startVmalert({
    rules: [RULES],
    datasourceUrl: metrics.url,
    remoteWriteUrl: metrics.url,
    evaluationInterval: "1s",
  });
  stops.push(() => vmalert.stop());
  return { a, b, proxy, refusing, metrics, vmalert };
}
