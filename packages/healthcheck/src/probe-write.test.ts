import type { NginxServer, TestCertificates, VictoriaMetricsServer, VmauthServer } from "@anomaly-writer/test-stack";
import { makeCertificates, startNginx, startVictoriaMetrics, startVmauth } from "@anomaly-writer/test-stack";
import { createTransport, type Transport, type TransportOptions } from "@anomaly-writer/transport";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { probeHealth } from "./probe-health.ts";
import { probeWrite } from "./probe-write.ts";
import { resolveHealthUrl } from "./resolve-health-url.ts";

const hostPort = (url: string) => new URL(url).host;

describe("probeWrite against a real VictoriaMetrics", () => {
  let vm: VictoriaMetricsServer;
  let vmWithAuth: VictoriaMetricsServer;
  let cluster: NginxServer;
  let prefixed: NginxServer;
  let basicAuth: NginxServer;
  let tls: NginxServer;
  let mtls: NginxServer;
  let vmauth: VmauthServer;
  let certs: TestCertificates;
  const transports: Transport[] = [];
  const transport = (options: TransportOptions = {}) => {
    const made = createTransport({ timeoutMs: 3000, ...options });
    transports.push(made);
    return made;
  };

  beforeAll(async () => {
    certs = makeCertificates();
    [vm, vmWithAuth] = await Promise.all([
      startVictoriaMetrics(),
      startVictoriaMetrics({ auth: { username: "writer", password: "right-pass" } }),
    ]);
    const tlsFiles = { certFile: certs.serverCertFile, keyFile: certs.serverKeyFile };
    [cluster, prefixed, basicAuth, tls, mtls, vmauth] = await Promise.all([
      startNginx({ upstream: vm.url, cluster: true }),
      startNginx({ upstream: vm.url, pathPrefix: "/vm" }),
      startNginx({ upstream: vm.url, basicAuth: { username: "writer", password: "right-pass" } }),
      startNginx({ upstream: vm.url, tls: tlsFiles }),
      startNginx({ upstream: vm.url, tls: tlsFiles, clientCaFile: certs.caFile }),
      startVmauth({ users: [{ bearerToken: "right-token", upstream: vm.url }] }),
    ]);
  });
  afterAll(async () => {
    await Promise.all(transports.map((t) => t.close()));
    await Promise.all([
      cluster?.stop(),
      prefixed?.stop(),
      basicAuth?.stop(),
      tls?.stop(),
      mtls?.stop(),
      vmauth?.stop(),
    ]);
    await Promise.all([vm?.stop(), vmWithAuth?.stop()]);
  });

  it("reports that writes are accepted, and stores nothing", async () => {
    const result = await probeWrite(transport(), `${vm.url}/api/v1/import`);
    expect(result).toMatchObject({ ok: true, status: 204, code: "204", url: `${vm.url}/api/v1/import` });
    expect(result.reason).toMatch(/^writes are accepted \(204 No Content in \d+ ms\)$/);
    expect(await vm.exportSeries()).toEqual([]);
  });

  it("finds a wrong password that the health check cannot see (VictoriaMetrics -httpAuth)", async () => {
    const wrong = transport({ user: "writer", password: "wrong-pass" });
    const health = await probeHealth(wrong, resolveHealthUrl(vmWithAuth.url));
    expect(health.ok).toBe(true);
    const result = await probeWrite(wrong, `${vmWithAuth.url}/api/v1/import`);
    expect(result).toMatchObject({
      ok: false,
      status: 401,
      code: "401",
      reason: "401 Unauthorized: wrong or missing credentials (check user/password or bearer_token)",
    });
    expect(JSON.stringify(result)).not.toContain("wrong-pass");
    expect(
      (await probeWrite(transport({ user: "writer", password: "right-pass" }), `${vmWithAuth.url}/api/v1/import`)).ok,
    ).toBe(true);
  });

  it("finds a wrong password behind nginx basic auth", async () => {
    const result = await probeWrite(
      transport({ user: "writer", password: "wrong-pass" }),
      `${basicAuth.url}/api/v1/import`,
    );
    expect(result).toMatchObject({ ok: false, code: "401" });
    expect(result.reason).toContain("wrong or missing credentials");
    expect(
      (await probeWrite(transport({ user: "writer", password: "right-pass" }), `${basicAuth.url}/api/v1/import`)).code,
    ).toBe("204");
  });

  it("finds a wrong bearer token behind vmauth, without printing it", async () => {
    const result = await probeWrite(transport({ bearerToken: "wrong-token" }), `${vmauth.url}/api/v1/import`);
    expect(result).toMatchObject({ ok: false, code: "400" });
    expect(result.reason).toBe(
      "400 Bad Request: the proxy (vmauth) does not know these credentials (wrong bearer_token or user/password)",
    );
    expect(JSON.stringify(result)).not.toContain("wrong-token");
    expect((await probeWrite(transport({ bearerToken: "right-token" }), `${vmauth.url}/api/v1/import`)).ok).toBe(true);
  });

  it("finds a missing tenant on a cluster vminsert (400 unsupported path)", async () => {
    const result = await probeWrite(transport(), `${cluster.url}/api/v1/import`);
    expect(result).toMatchObject({
      ok: false,
      status: 400,
      code: "400",
      reason:
        "wrong tenant path: the server does not serve /api/v1/import — is tenant_id missing for a cluster vminsert?",
    });
    expect((await probeWrite(transport(), `${cluster.url}/insert/0:0/prometheus/api/v1/import`)).code).toBe("204");
  });

  it("finds a tenant path sent to a single-node VictoriaMetrics", async () => {
    const result = await probeWrite(transport(), `${vm.url}/insert/0:0/prometheus/api/v1/import`);
    expect(result).toMatchObject({ ok: false, status: 400, code: "400" });
    expect(result.reason).toBe(
      "wrong tenant path: the server does not serve /insert/0:0/prometheus/api/v1/import — is tenant_id set for a single-node VictoriaMetrics (remove it), or does the URL point at vmselect instead of vminsert?",
    );
  });

  it("finds a wrong path prefix (404 from a proxy)", async () => {
    const origin = new URL(prefixed.url).origin;
    expect((await probeWrite(transport(), `${prefixed.url}/api/v1/import`)).ok).toBe(true);
    const result = await probeWrite(transport(), `${origin}/victoria/api/v1/import`);
    expect(result).toMatchObject({ ok: false, status: 404, code: "404" });
    expect(result.reason).toBe(
      "404 Not Found: the server does not serve /victoria/api/v1/import (check datasource_url, its path prefix, and import_json_path)",
    );
  });

  it("finds an untrusted TLS certificate and says how to trust it", async () => {
    const untrusted = await probeWrite(transport(), `${tls.url}/api/v1/import`);
    expect(untrusted).toMatchObject({
      ok: false,
      code: "ssl_error",
      reason: `TLS: certificate of ${hostPort(tls.url)} not trusted (set verify_tls to the CA bundle path)`,
    });
    expect((await probeWrite(transport({ verifyTls: certs.otherCaFile }), `${tls.url}/api/v1/import`)).code).toBe(
      "ssl_error",
    );
    expect((await probeWrite(transport({ verifyTls: certs.caFile }), `${tls.url}/api/v1/import`)).code).toBe("204");
    expect((await probeHealth(transport(), resolveHealthUrl(tls.url))).reason).toContain(
      "set verify_tls to the CA bundle path",
    );
  });

  it("finds the wrong scheme in either direction", async () => {
    const plainToTls = await probeWrite(transport(), `${tls.url.replace("https:", "http:")}/api/v1/import`);
    expect(plainToTls).toMatchObject({
      ok: false,
      code: "400",
      reason: `400 Bad Request: ${hostPort(tls.url)} speaks HTTPS: use https:// in the URL`,
    });
    const tlsToPlain = await probeWrite(transport(), `${vm.url.replace("http:", "https:")}/api/v1/import`);
    expect(tlsToPlain).toMatchObject({
      ok: false,
      code: "ssl_error",
      reason: `TLS: ${hostPort(vm.url)} does not speak TLS (use http:// in the URL)`,
    });
  });

  it("finds a missing client certificate (mTLS)", async () => {
    const without = await probeWrite(transport({ verifyTls: certs.caFile }), `${mtls.url}/api/v1/import`);
    expect(without.ok).toBe(false);
    expect(without.reason).toMatch(/client certificate/);
    expect(without.reason).toMatch(/tls_cert_file and tls_key_file/);
    const stranger = await probeWrite(
      transport({
        verifyTls: certs.caFile,
        tlsCertFile: certs.otherClientCertFile,
        tlsKeyFile: certs.otherClientKeyFile,
      }),
      `${mtls.url}/api/v1/import`,
    );
    expect(stranger.ok).toBe(false);
    expect(stranger.reason).toMatch(/client certificate/);
    const right = await probeWrite(
      transport({ verifyTls: certs.caFile, tlsCertFile: certs.clientCertFile, tlsKeyFile: certs.clientKeyFile }),
      `${mtls.url}/api/v1/import`,
    );
    expect(right).toMatchObject({ ok: true, code: "204" });
  });
});
