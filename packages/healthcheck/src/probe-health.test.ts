import type { NginxServer, VictoriaMetricsServer } from "@anomaly-writer/test-stack";
import { freePort, startNginx, startVictoriaMetrics } from "@anomaly-writer/test-stack";
import { createTransport, type Transport } from "@anomaly-writer/transport";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { probeHealth } from "./probe-health.ts";
import { resolveHealthUrl } from "./resolve-health-url.ts";
import { type SilentServer, startSilentServer } from "./testing/start-silent-server.ts";

describe("probeHealth against a real VictoriaMetrics", () => {
  let vm: VictoriaMetricsServer;
  let prefixed: NginxServer;
  let silent: SilentServer;
  let transport: Transport;
  beforeAll(async () => {
    [vm, silent] = await Promise.all([startVictoriaMetrics(), startSilentServer()]);
    prefixed = await startNginx({ upstream: vm.url, pathPrefix: "/vm" });
    transport = createTransport({ timeoutMs: 300, retry: { attempts: 3, baseDelayMs: 1 } });
  });
  afterAll(async () => {
    await transport?.close();
    await Promise.all([prefixed?.stop(), silent?.close()]);
    await vm?.stop();
  });

  it("reports a healthy VictoriaMetrics, timed by the injected clock", async () => {
    const readings = [1000, 1012.34];
    const result = await probeHealth(transport, resolveHealthUrl(vm.url), {
      now: () => readings.shift() ?? Number.NaN,
    });
    expect(result).toEqual({
      ok: true,
      url: `${vm.url}/health`,
      status: 200,
      code: "200",
      latencyMs: 12.3,
      reason: "VictoriaMetrics is healthy (200 OK in 12 ms)",
    });
  });

  it("reports a closed port as refused, after one attempt", async () => {
    const port = await freePort();
    const result = await probeHealth(transport, resolveHealthUrl(`http://127.0.0.1:${port}`));
    expect(result).toMatchObject({
      ok: false,
      code: "connection_error",
      reason: `connection refused: nothing listens on 127.0.0.1:${port} (is VictoriaMetrics running?)`,
    });
    expect(result.status).toBeUndefined();
  });

  it("reports a server that never answers as a timeout, without retrying", async () => {
    const before = silent.connections();
    const result = await probeHealth(transport, resolveHealthUrl(silent.url));
    expect(result.code).toBe("timeout");
    expect(result.reason).toMatch(
      new RegExp(`^timeout: no answer from 127\\.0\\.0\\.1:${new URL(silent.url).port} within \\d+ ms`),
    );
    expect(silent.connections() - before).toBe(1);
  });

  it("resolves each health_path form against a datasource_url with a path prefix", async () => {
    const origin = new URL(prefixed.url).origin;
    expect(prefixed.url).toBe(`${origin}/vm`);
    for (const [healthPath, expected] of [
      [undefined, `${origin}/vm/health`],
      ["health", `${origin}/vm/health`],
      ["/vm/health", `${origin}/vm/health`],
      [`${vm.url}/health`, `${vm.url}/health`],
    ] as const) {
      const result = await probeHealth(transport, resolveHealthUrl(prefixed.url, healthPath));
      expect(result, String(healthPath)).toMatchObject({ ok: true, code: "200", url: expected });
    }
    // The same relative path works with a trailing slash on datasource_url.
    expect((await probeHealth(transport, resolveHealthUrl(`${prefixed.url}/`, "health"))).ok).toBe(true);
  });

  it("reports a wrong health path (404 at the host root behind a prefix proxy)", async () => {
    const origin = new URL(prefixed.url).origin;
    const result = await probeHealth(transport, resolveHealthUrl(prefixed.url, "/health"));
    expect(result).toMatchObject({ ok: false, status: 404, code: "404", url: `${origin}/health` });
    expect(result.reason).toBe(
      `404 Not Found: nothing is served at /health on ${origin.replace("http://", "")} (check health_path: "health" resolves below datasource_url, "/health" at the host root; VictoriaMetrics serves /health at each component's root)`,
    );
  });

  it("reports a path VictoriaMetrics does not serve (its 400 unsupported path)", async () => {
    const result = await probeHealth(transport, resolveHealthUrl(vm.url, "status"));
    expect(result).toMatchObject({ ok: false, status: 400, code: "400" });
    expect(result.reason).toMatch(
      /^400 Bad Request: nothing is served at \/status on 127\.0\.0\.1:\d+ \(check health_path/,
    );
  });
});
