import { readFileSync } from "node:fs";
import { findBinary } from "@anomaly-writer/local-vm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { NginxServer, TestCertificates, VictoriaMetricsServer, VmauthServer } from "./index.ts";
import { httpSend, makeCertificates, startNginx, startVictoriaMetrics, startVmauth } from "./index.ts";

const line = (name: string, labels: Record<string, string> = {}, value = 1) =>
  `${JSON.stringify({ metric: { __name__: name, ...labels }, values: [value], timestamps: [1732406400000] })}\n`;

let vm: VictoriaMetricsServer;
let certs: TestCertificates;
beforeAll(async () => {
  vm = await startVictoriaMetrics();
  certs = makeCertificates();
});
afterAll(async () => {
  await vm?.stop();
});

describe("nginx as an emulated cluster vminsert", () => {
  let nginx: NginxServer;
  beforeAll(async () => {
    nginx = await startNginx({ upstream: vm.url, cluster: true });
  });
  afterAll(async () => nginx?.stop());

  it("adds vm_account_id/vm_project_id for /insert/A:P", async () => {
    const res = await httpSend(`${nginx.url}/insert/3:4/prometheus/api/v1/import`, {
      method: "POST",
      body: line("ts_tenant34"),
    });
    expect(res.status).toBe(204);
    const series = await vm.exportSeries('{__name__="ts_tenant34"}');
    expect(series.map((s) => s.metric)).toEqual([{ __name__: "ts_tenant34", vm_account_id: "3", vm_project_id: "4" }]);
  });

  it("treats /insert/A as A:0", async () => {
    await httpSend(`${nginx.url}/insert/7/prometheus/api/v1/import`, { method: "POST", body: line("ts_tenant7") });
    const series = await vm.exportSeries('{__name__="ts_tenant7"}');
    expect(series.map((s) => s.metric)).toEqual([{ __name__: "ts_tenant7", vm_account_id: "7", vm_project_id: "0" }]);
  });

  it("passes the tenant labels through for /insert/multitenant", async () => {
    const body = line("ts_multi", { vm_account_id: "5", vm_project_id: "6" }) + line("ts_multi", { host: "a" });
    const res = await httpSend(`${nginx.url}/insert/multitenant/prometheus/api/v1/import`, { method: "POST", body });
    expect(res.status).toBe(204);
    const series = await vm.exportSeries('{__name__="ts_multi"}');
    expect(series.map((s) => s.metric)).toEqual([
      { __name__: "ts_multi", host: "a" },
      { __name__: "ts_multi", vm_account_id: "5", vm_project_id: "6" },
    ]);
  });

  it("answers 400 for a path vminsert does not serve, and /health at the root", async () => {
    const wrong = await httpSend(`${nginx.url}/api/v1/import`, { method: "POST", body: line("ts_wrong") });
    expect(wrong.status).toBe(400);
    expect(wrong.body).toContain("unsupported path requested");
    expect((await httpSend(`${nginx.url}/health`)).status).toBe(200);
  });
});

describe("nginx as a reverse proxy", () => {
  it("serves below a path prefix", async () => {
    const nginx = await startNginx({ upstream: vm.url, pathPrefix: "/vm" });
    try {
      expect(nginx.url).toMatch(/\/vm$/);
      expect((await httpSend(`${nginx.url}/api/v1/import`, { method: "POST", body: line("ts_prefix") })).status).toBe(
        204,
      );
      expect((await vm.exportSeries('{__name__="ts_prefix"}')).length).toBe(1);
      expect(await nginx.waitForAccessLog((l) => l.startsWith("POST /vm/api/v1/import 204"))).toHaveLength(1);
    } finally {
      await nginx.stop();
    }
  });

  it("demands basic auth", async () => {
    const nginx = await startNginx({ upstream: vm.url, basicAuth: { username: "writer", password: "s3cret-basic" } });
    try {
      expect((await httpSend(`${nginx.url}/health`)).status).toBe(401);
      const wrong = await httpSend(`${nginx.url}/health`, {
        headers: { authorization: `Basic ${Buffer.from("writer:nope").toString("base64")}` },
      });
      expect(wrong.status).toBe(401);
      const right = await httpSend(`${nginx.url}/health`, {
        headers: { authorization: `Basic ${Buffer.from("writer:s3cret-basic").toString("base64")}` },
      });
      expect(right.status).toBe(200);
    } finally {
      await nginx.stop();
    }
  });

  it("serves TLS that only our CA verifies", async () => {
    const nginx = await startNginx({
      upstream: vm.url,
      tls: { certFile: certs.serverCertFile, keyFile: certs.serverKeyFile },
    });
    try {
      expect(nginx.url).toMatch(/^https:/);
      expect((await httpSend(`${nginx.url}/health`, { ca: readFileSync(certs.caFile) })).status).toBe(200);
      await expect(httpSend(`${nginx.url}/health`)).rejects.toThrow(/self[- ]signed|unable to verify|certificate/i);
      await expect(httpSend(`${nginx.url}/health`, { ca: readFileSync(certs.otherCaFile) })).rejects.toThrow(
        /certificate|verify/i,
      );
    } finally {
      await nginx.stop();
    }
  });

  it("refuses mTLS clients without a certificate from its CA", async () => {
    const nginx = await startNginx({
      upstream: vm.url,
      tls: { certFile: certs.serverCertFile, keyFile: certs.serverKeyFile },
      clientCaFile: certs.caFile,
    });
    try {
      const ca = readFileSync(certs.caFile);
      const withCert = await httpSend(`${nginx.url}/health`, {
        ca,
        cert: readFileSync(certs.clientCertFile),
        key: readFileSync(certs.clientKeyFile),
      });
      expect(withCert.status).toBe(200);
      // nginx answers 400 "No required SSL certificate was sent" (or the handshake fails).
      const without = await httpSend(`${nginx.url}/health`, { ca }).then(
        (r) => r.status,
        (e: Error) => e.message,
      );
      expect(without).not.toBe(200);
      const stranger = await httpSend(`${nginx.url}/health`, {
        ca,
        cert: readFileSync(certs.otherClientCertFile),
        key: readFileSync(certs.otherClientKeyFile),
      }).then(
        (r) => r.status,
        (e: Error) => e.message,
      );
      expect(stranger).not.toBe(200);
    } finally {
      await nginx.stop();
    }
  });
});

describe("nginx as a load balancer", () => {
  it("spreads requests round-robin over several upstreams", async () => {
    const other = await startVictoriaMetrics();
    const nginx = await startNginx({
      upstream: [vm.url, other.url],
      upstreamServerParameters: "max_fails=1 fail_timeout=1s",
    });
    try {
      for (let i = 0; i < 6; i++) {
        expect(
          (
            await httpSend(`${nginx.url}/api/v1/import`, {
              method: "POST",
              body: line("ts_balanced", { n: String(i) }),
            })
          ).status,
        ).toBe(204);
      }
      const here = (await vm.exportSeries('{__name__="ts_balanced"}')).length;
      const there = (await other.exportSeries('{__name__="ts_balanced"}')).length;
      expect([here, there]).toEqual([3, 3]);
    } finally {
      await nginx.stop();
      await other.stop();
    }
  });
});

describe("vmauth with bearer tokens", () => {
  let vmauth: VmauthServer;
  beforeAll(async () => {
    vmauth = await startVmauth({ users: [{ bearerToken: "token-one", upstream: vm.url }] });
  });
  afterAll(async () => vmauth?.stop());

  it("routes the right token and refuses a wrong one", async () => {
    const right = await httpSend(`${vmauth.url}/api/v1/import`, {
      method: "POST",
      body: line("ts_vmauth"),
      headers: { authorization: "Bearer token-one" },
    });
    expect(right.status).toBe(204);
    expect((await vm.exportSeries('{__name__="ts_vmauth"}')).length).toBe(1);
    const wrong = await httpSend(`${vmauth.url}/api/v1/import`, {
      method: "POST",
      body: line("ts_vmauth"),
      headers: { authorization: "Bearer nope" },
    });
    // vmauth 1.79 answers 400 for an unknown token, and echoes it in the body; 401 without one.
    expect(wrong.status).toBe(400);
    expect(wrong.body).toContain("cannot find the provided auth token");
    const none = await httpSend(`${vmauth.url}/api/v1/import`, { method: "POST", body: line("ts_vmauth") });
    expect(none.status).toBe(401);
  });

  it("reloads its users", async () => {
    await vmauth.setUsers([{ bearerToken: "token-two", upstream: vm.url }]);
    const get = (token: string) =>
      httpSend(`${vmauth.url}/api/v1/export?match[]=ts_vmauth`, { headers: { authorization: `Bearer ${token}` } });
    expect((await get("token-two")).status).toBe(200);
    expect((await get("token-one")).status).toBe(400);
  });
});

describe("missing binaries", () => {
  it("say in one line how to install them", () => {
    expect(() => findBinary("nginx-not-here", "apt-get install nginx-light")).toThrow(
      "[local-vm] nginx-not-here not found on PATH: install it with `apt-get install nginx-light`",
    );
  });
});
