import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import {
  freePort,
  httpSend,
  makeCertificates,
  type NginxServer,
  startNginx,
  startVictoriaMetrics,
  type TestCertificates,
  type VictoriaMetricsServer,
} from "@anomaly-writer/test-stack";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { finished, runCli, startCli } from "./testing/run-cli.ts";

const dir = mkdtempSync(join(tmpdir(), "anomaly-writer-cli-"));
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
const record = (queryKey: string, instance: string, value: number) => ({
  query_key: queryKey,
  labels: { instance, job: "node" },
  timestamps: [1732406400000, 1732406460000],
  outputs: { anomaly_score: [value, value + 1], yhat: [10, 11] },
});

let vm: VictoriaMetricsServer;
let certs: TestCertificates;
const servers: NginxServer[] = [];
beforeAll(async () => {
  vm = await startVictoriaMetrics();
  certs = makeCertificates();
});
afterAll(async () => {
  for (const s of servers) await s.stop();
  await vm?.stop();
});
const nginx = async (options: Parameters<typeof startNginx>[0]) => {
  const server = await startNginx(options);
  servers.push(server);
  return server;
};

describe("anomaly-writer write", () => {
  it("writes the good records of a mixed file to tenant 2:3, reports bad ones by line, exits 1", async () => {
    const cluster = await nginx({ upstream: vm.url, cluster: true });
    const config = file(
      "tenant.yml",
      `writer:
  datasource_url: ${cluster.url}/
  tenant_id: "2:3"
  limits:
    retention: 100y   # backfill: a cluster does not report its retention (default 1 month)
  metric_format:
    __name__: "cli_$VAR"
    for: "$QUERY_KEY"
    source: "cli-test"
`,
    );
    const input = file(
      "mixed.jsonl",
      [
        JSON.stringify(record("cpu", "h1", 0.5)),
        '{"query_key": "cpu", "labels": ',
        JSON.stringify(record("cpu", "h2", 2.5)),
        JSON.stringify({ ...record("cpu", "h3", 1), timestamps: [1732406400000.5, 1732406460000] }),
        "",
      ].join("\n"),
    );
    const run = await runCli(["write", "-c", config, "-i", input]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`${input} line 2: not valid JSON`);
    expect(run.stderr).toContain(`${input} line 4: timestamps[0]`);
    expect(run.stderr).toMatch(/written: 2 records, 4 series, 8 datapoints/);
    const back = await vm.exportSeries('{__name__="cli_anomaly_score"}');
    expect(back).toEqual(
      [
        {
          metric: {
            __name__: "cli_anomaly_score",
            for: "cpu",
            source: "cli-test",
            instance: "h1",
            job: "node",
            vm_account_id: "2",
            vm_project_id: "3",
          },
          values: [0.5, 1.5],
          timestamps: [1732406400000, 1732406460000],
        },
        {
          metric: {
            __name__: "cli_anomaly_score",
            for: "cpu",
            source: "cli-test",
            instance: "h2",
            job: "node",
            vm_account_id: "2",
            vm_project_id: "3",
          },
          values: [2.5, 3.5],
          timestamps: [1732406400000, 1732406460000],
        },
      ].sort((a, b) =>
        JSON.stringify(Object.entries(a.metric).sort()).localeCompare(JSON.stringify(Object.entries(b.metric).sort())),
      ),
    );
  });

  it("reads stdin and exits 0 when everything is written", async () => {
    const config = file("plain.yml", `writer:\n  datasource_url: ${vm.url}\n`);
    const run = await runCli(["write", "-c", config, "--log-format", "json"], {
      input: `${JSON.stringify(record("stdin_q", "s1", 1))}\n`,
    });
    expect(run.code).toBe(0);
    const lines = run.stderr
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(lines.at(-1).msg).toContain("written: 1 records, 2 series, 4 datapoints");
    expect((await vm.exportSeries('{for="stdin_q"}')).length).toBe(2);
  });

  it("refuses a 785 KB record that would expand to gigabytes and a timestamp in seconds, writes the line between, exits 1", async () => {
    const config = file("bomb.yml", `writer:\n  datasource_url: ${vm.url}\n`);
    const now = Math.floor(Date.now() / 60_000) * 60_000;
    const outputs = Object.fromEntries(Array.from({ length: 50_000 }, (_, i) => [`v${i}`, [1]]));
    const input = file(
      "bomb.jsonl",
      [
        JSON.stringify({ query_key: "cli_bomb", labels: { big: "x".repeat(64 * 1024) }, timestamps: [now], outputs }),
        JSON.stringify({ ...record("cli_bomb", "good", 1), timestamps: [now - 60_000, now] }),
        JSON.stringify({
          ...record("cli_bomb", "seconds", 1),
          timestamps: [Math.floor(now / 1000) - 60, Math.floor(now / 1000)],
        }),
        "",
      ].join("\n"),
    );
    const run = await runCli(["write", "-c", config, "-i", input]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`refused 2 of 3 records`);
    expect(run.stderr).toContain(`${input} line 1: outputs: has 50000 output variables`);
    expect(run.stderr).toMatch(/line 3: timestamps\[0\]: timestamp \d+ looks like seconds/);
    expect(run.stderr).toMatch(
      /written: 1 records, 2 series, 4 datapoints.*dropped datapoints: invalid_timestamp 4, record_too_large 50000/,
    );
    expect((await vm.exportSeries('{for="cli_bomb"}')).map((s) => [s.metric.instance, s.timestamps])).toEqual([
      ["good", [now - 60_000, now]],
      ["good", [now - 60_000, now]],
    ]);
  });

  it("exits 2 with the key path and line:column for a bad config, and for usage errors", async () => {
    const config = file("bad.yml", `writer:\n  datasource_url: ${vm.url}\n  tenant_id: "1:2:3"\n`);
    const run = await runCli(["write", "-c", config, "-i", "-"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("writer.tenant_id");
    expect(run.stderr).toContain("3:14");
    expect((await runCli(["write", "-i", "-"])).code).toBe(2);
    expect((await runCli(["bogus"])).code).toBe(2);
    expect((await runCli(["write", "-c", join(dir, "missing.yml")])).code).toBe(2);
  });
});

describe("anomaly-writer check", () => {
  it("names the cause for each broken target", async () => {
    const basic = await nginx({ upstream: vm.url, basicAuth: { username: "w", password: "right-pass" } });
    const tls = await nginx({
      upstream: vm.url,
      tls: { certFile: certs.serverCertFile, keyFile: certs.serverKeyFile },
    });
    const cluster = await nginx({ upstream: vm.url, cluster: true });
    const closed = await freePort();
    const cases = [
      {
        name: "healthy",
        yaml: `writer:\n  datasource_url: ${vm.url}\n`,
        code: 0,
        expect: /health ok .*\nwrite {2}ok /s,
      },
      {
        name: "wrong password",
        yaml: `writer:\n  datasource_url: ${basic.url}\n  user: w\n  password: Zq9-wrong-secret\n`,
        code: 1,
        expect: /401/,
      },
      { name: "TLS without CA", yaml: `writer:\n  datasource_url: ${tls.url}\n`, code: 1, expect: /TLS|certificate/i },
      { name: "wrong tenant path", yaml: `writer:\n  datasource_url: ${cluster.url}\n`, code: 1, expect: /tenant/i },
      {
        name: "closed port",
        yaml: `writer:\n  datasource_url: http://127.0.0.1:${closed}\n`,
        code: 1,
        expect: /refused/i,
      },
    ];
    for (const c of cases) {
      const run = await runCli(["check", "-c", file(`check-${c.name.replace(/ /g, "-")}.yml`, c.yaml)]);
      expect({ name: c.name, code: run.code }).toEqual({ name: c.name, code: c.code });
      expect(run.stdout, c.name).toMatch(c.expect);
      expect(run.stdout + run.stderr).not.toContain("Zq9-wrong-secret");
    }
  });
});

describe("anomaly-writer serve", () => {
  it("takes records over HTTP, writes them through basic auth + TLS, shows metrics, and stops on SIGTERM without losing acknowledged data", async () => {
    const front = await nginx({
      upstream: vm.url,
      basicAuth: { username: "svc", password: "serve-secret" },
      tls: { certFile: certs.serverCertFile, keyFile: certs.serverKeyFile },
    });
    const config = file(
      "serve.yml",
      `writer:\n  datasource_url: ${front.url}\n  user: svc\n  password: serve-secret\n  verify_tls: ${certs.caFile}\n`,
    );
    const port = await freePort();
    const serve = startCli(["serve", "-c", config, "--listen", `127.0.0.1:${port}`]);
    const base = `http://127.0.0.1:${port}`;
    for (let i = 0; i < 100; i++) {
      if (
        await httpSend(`${base}/health`).then(
          (r) => r.status === 200,
          () => false,
        )
      )
        break;
      await sleep(50);
    }
    const first = await httpSend(`${base}/api/v1/outputs`, {
      method: "POST",
      body: JSON.stringify(record("serve_q", "a", 1)),
    });
    expect(first.status).toBe(200);
    const metrics = await httpSend(`${base}/metrics`);
    expect(metrics.body).toMatch(/vmanomaly_writer_responses_total\{[^}]*code="204"[^}]*\} 1/);
    // Many requests in flight, then SIGTERM: everything acknowledged must be in VictoriaMetrics.
    const posts = Array.from({ length: 40 }, (_, i) =>
      httpSend(`${base}/api/v1/outputs`, {
        method: "POST",
        body: JSON.stringify(record("serve_term", `h${i}`, i)),
      }).then(
        (r) => r.status,
        () => 0,
      ),
    );
    // SIGTERM once the first answer is in: the others are in flight.
    await Promise.race(posts);
    serve.kill("SIGTERM");
    const statuses = await Promise.all(posts);
    const exit = await finished(serve);
    expect(exit.code).toBe(0);
    expect(exit.stderr).toContain("SIGTERM");
    const acknowledged = statuses.filter((s) => s === 200).length;
    expect(acknowledged).toBeGreaterThan(0);
    const back = new Set(
      (await vm.exportSeries('{__name__="anomaly_score",for="serve_term"}')).map((s) => s.metric.instance),
    );
    const lost = statuses.flatMap((status, i) => (status === 200 && !back.has(`h${i}`) ? [`h${i}`] : []));
    expect(lost).toEqual([]);
    expect(exit.stderr + exit.stdout).not.toContain("serve-secret");
  });
});

describe("anomaly-writer demo", () => {
  it("runs to the end and shows data read back from VictoriaMetrics", async () => {
    const run = await runCli(["demo"], { timeoutMs: 90_000 });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("every written datapoint was read back unchanged");
    expect(run.stdout).toMatch(/read back from VictoriaMetrics: 25 series, 7200 datapoints/);
    expect(run.stdout).toContain("▁");
  });
});
