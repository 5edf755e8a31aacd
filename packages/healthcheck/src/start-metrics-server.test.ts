import { httpSend } from "@anomaly-writer/test-stack";
import { Counter, Registry } from "prom-client";
import { afterEach, describe, expect, it } from "vitest";
import { HealthcheckError } from "./errors.ts";
import { type MetricsServer, startMetricsServer } from "./start-metrics-server.ts";
import { parseExposition } from "./testing/parse-exposition.ts";

describe("startMetricsServer", () => {
  const servers: MetricsServer[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((server) => server.close()));
  });

  const start = async (options: Partial<Parameters<typeof startMetricsServer>[0]> = {}) => {
    const registry = options.registry ?? new Registry();
    const server = await startMetricsServer({ registry, host: "127.0.0.1", port: 0, ...options });
    servers.push(server);
    return { server, registry };
  };

  it("serves GET /metrics and HEAD /metrics, with a query string too", async () => {
    const { server, registry } = await start();
    new Counter({ name: "hc_server_test_total", help: "h", registers: [registry] }).inc(7);
    expect(server.url).toBe(`http://127.0.0.1:${server.port}`);
    const res = await httpSend(`${server.url}/metrics?x=1`);
    expect(res.status).toBe(200);
    expect(res.headers["content-type"]).toBe("text/plain; version=0.0.4; charset=utf-8");
    expect(parseExposition(res.body).value("hc_server_test_total")).toBe(7);
    const head = await httpSend(`${server.url}/metrics`, { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(head.body).toBe("");
  });

  it("answers 404 elsewhere and 405 to other methods on /metrics", async () => {
    const { server } = await start();
    expect((await httpSend(`${server.url}/`)).status).toBe(404);
    expect((await httpSend(`${server.url}/metrics/x`)).status).toBe(404);
    expect((await httpSend(`${server.url}/health`)).status).toBe(404);
    const post = await httpSend(`${server.url}/metrics`, { method: "POST", body: "x" });
    expect(post.status).toBe(405);
    expect(post.headers.allow).toBe("GET, HEAD");
  });

  it("serves extra routes, and a failing one answers 500", async () => {
    const { server } = await start({
      extraRoutes: {
        "/health": (_request, response) => {
          response.end("OK");
        },
        "/broken": async () => {
          throw new Error("boom");
        },
      },
    });
    const health = await httpSend(`${server.url}/health`);
    expect([health.status, health.body]).toEqual([200, "OK"]);
    expect((await httpSend(`${server.url}/broken`)).status).toBe(500);
  });

  it("says plainly when the port is taken", async () => {
    const { server } = await start();
    const taken = await startMetricsServer({ registry: new Registry(), host: "127.0.0.1", port: server.port }).catch(
      (e: unknown) => e,
    );
    expect(taken).toBeInstanceOf(HealthcheckError);
    expect((taken as HealthcheckError).code).toBe("HEALTHCHECK_SERVER_FAILED");
    expect((taken as Error).message).toBe(
      `[healthcheck] cannot serve metrics on 127.0.0.1:${server.port}: the address is already in use`,
    );
  });

  it("gives a fetchable URL for a wildcard host, and close() is idempotent", async () => {
    const { server } = await start({ host: "0.0.0.0" });
    expect(server.url).toBe(`http://127.0.0.1:${server.port}`);
    expect((await httpSend(`${server.url}/metrics`)).status).toBe(200);
    await Promise.all([server.close(), server.close()]);
    await expect(httpSend(`${server.url}/metrics`, { timeoutMs: 1000 })).rejects.toThrow();
  });
});
