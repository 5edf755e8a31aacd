import { readFileSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer as createHttpsServer } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  makeCertificates,
  type NginxServer,
  startNginx,
  startVictoriaMetrics,
  startVmauth,
  type TestCertificates,
  type VictoriaMetricsServer,
  type VmauthServer,
} from "@anomaly-writer/test-stack";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTransport } from "./create-transport.ts";
import { TransportError } from "./errors.ts";
import { createFakeClock } from "./testing/create-fake-clock.ts";
import { createLeakCollector } from "./testing/create-leak-collector.ts";
import type { Transport, TransportOptions } from "./transport-options.ts";

// Real peers: VictoriaMetrics (-httpAuth.*, -tls), nginx (mTLS, gzip access log), vmauth (bearer tokens).
const VM_USER = "writer";
const VM_PASSWORD = "vm-Pa55word-e2e";
const TOKEN_ONE = "vmauth-token-one-93c1";
const TOKEN_TWO = "vmauth-token-two-5be7";
const WRONG_TOKEN = "wrong-token-0d44aa";
const WRONG_PASSWORD = "not-the-Password-71";
const SECRETS = [
  VM_PASSWORD,
  WRONG_PASSWORD,
  TOKEN_ONE,
  TOKEN_TWO,
  WRONG_TOKEN,
  Buffer.from(`${VM_USER}:${VM_PASSWORD}`).toString("base64"),
  Buffer.from(`${VM_USER}:${WRONG_PASSWORD}`).toString("base64"),
];
const T0 = 1732406400000;

const leaks = createLeakCollector();
const transports: Transport[] = [];
function transport(options: TransportOptions = {}): Transport {
  const created = createTransport({ hooks: { onAttempt: leaks.onAttempt }, ...options });
  transports.push(created);
  return created;
}

const line = (name: string, values: number[] = [1], labels: Record<string, string> = {}) =>
  `${JSON.stringify({ metric: { __name__: name, ...labels }, values, timestamps: values.map((_, i) => T0 + i * 60_000) })}\n`;

let vm: VictoriaMetricsServer;
let authVm: VictoriaMetricsServer;
let tlsVm: VictoriaMetricsServer;
let certs: TestCertificates;

beforeAll(async () => {
  certs = makeCertificates();
  [vm, authVm, tlsVm] = await Promise.all([
    startVictoriaMetrics(),
    startVictoriaMetrics({ auth: { username: VM_USER, password: VM_PASSWORD } }),
    startVictoriaMetrics({
      tls: { certFile: certs.serverCertFile, keyFile: certs.serverKeyFile, caFile: certs.caFile },
    }),
  ]);
});

afterAll(async () => {
  await Promise.all(transports.map((t) => t.close()));
  await Promise.all([vm?.stop(), authVm?.stop(), tlsVm?.stop()]);
  if (certs) await rm(certs.dir, { recursive: true, force: true });
});

describe("VictoriaMetrics with -httpAuth.*", () => {
  it("imports with the right password; the line reads back", async () => {
    const t = transport({ user: VM_USER, password: VM_PASSWORD });
    const res = await t.post(`${authVm.url}/api/v1/import`, line("tr_basic_ok", [1, 2]));
    expect(res.status).toBe(204);
    expect(await authVm.exportSeries('{__name__="tr_basic_ok"}')).toEqual([
      { metric: { __name__: "tr_basic_ok" }, values: [1, 2], timestamps: [T0, T0 + 60_000] },
    ]);
  });

  it("takes the credentials from the URL userinfo too", async () => {
    const url = authVm.url.replace("http://", `http://${VM_USER}:${encodeURIComponent(VM_PASSWORD)}@`);
    await transport().post(`${url}/api/v1/import`, line("tr_basic_url"));
    expect((await authVm.exportSeries('{__name__="tr_basic_url"}')).length).toBe(1);
  });

  it("answers a wrong password with 401: a credential error, not retried", async () => {
    const clock = createFakeClock();
    const t = transport({ user: VM_USER, password: WRONG_PASSWORD, clock, retry: { attempts: 4 } });
    const error = (await leaks.rejection(
      t.post(`${authVm.url}/api/v1/import`, line("tr_basic_wrong")),
    )) as TransportError;
    expect(error).toBeInstanceOf(TransportError);
    expect([error.code, error.outcome, error.status, error.credentialError, error.retryable, error.attempts]).toEqual([
      "TRANSPORT_HTTP",
      "401",
      401,
      true,
      false,
      1,
    ]);
    expect(error.hint).toMatch(/credentials/);
    expect(clock.sleeps).toEqual([]);
    expect(await authVm.exportSeries('{__name__="tr_basic_wrong"}')).toEqual([]);
  });
});

describe("VictoriaMetrics with -tls", () => {
  it("verifies against the CA bundle given as verifyTls", async () => {
    const t = transport({ verifyTls: certs.caFile });
    expect(tlsVm.url).toMatch(/^https:/);
    await t.post(`${tlsVm.url}/api/v1/import`, line("tr_tls_ca"));
    expect((await tlsVm.exportSeries('{__name__="tr_tls_ca"}')).length).toBe(1);
  });

  it("fails as ssl_error with the default trust store, not retried, with a hint", async () => {
    const clock = createFakeClock();
    const t = transport({ clock, retry: { attempts: 3 } });
    const error = (await leaks.rejection(
      t.post(`${tlsVm.url}/api/v1/import`, line("tr_tls_default")),
    )) as TransportError;
    expect([error.code, error.outcome, error.retryable, error.attempts]).toEqual([
      "TRANSPORT_TLS",
      "ssl_error",
      false,
      1,
    ]);
    expect(error.message).toMatch(/UNABLE_TO_VERIFY_LEAF_SIGNATURE|unable to verify/);
    expect(error.hint).toMatch(/verify_tls/);
    expect(leaks.attempts.at(-1)?.code).toBe("ssl_error");
  });

  it("fails as ssl_error against an unrelated CA", async () => {
    const error = (await leaks.rejection(
      transport({ verifyTls: certs.otherCaFile, retry: { attempts: 1 } }).get(`${tlsVm.url}/health`),
    )) as TransportError;
    expect(error.outcome).toBe("ssl_error");
  });

  it("works without verification (verifyTls false)", async () => {
    await transport({ verifyTls: false }).post(`${tlsVm.url}/api/v1/import`, line("tr_tls_off"));
    expect((await tlsVm.exportSeries('{__name__="tr_tls_off"}')).length).toBe(1);
  });

  it("names a certificate that does not match the host", async () => {
    // The certificate names 127.0.0.1, ::1 and localhost; the same certificate served on 127.0.0.2 does not match.
    const server = createHttpsServer(
      { cert: readFileSync(certs.serverCertFile), key: readFileSync(certs.serverKeyFile) },
      (_req, res) => res.end(),
    );
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.2", resolve));
    try {
      const url = `https://127.0.0.2:${(server.address() as { port: number }).port}/health`;
      const error = (await leaks.rejection(
        transport({ verifyTls: certs.caFile, retry: { attempts: 1 } }).get(url),
      )) as TransportError;
      expect(error.outcome).toBe("ssl_error");
      expect(error.message).toContain("ERR_TLS_CERT_ALTNAME_INVALID");
      expect(error.hint).toMatch(/does not name this host/);
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});

describe("nginx with ssl_verify_client on (mTLS)", () => {
  let nginx: NginxServer;
  beforeAll(async () => {
    nginx = await startNginx({
      upstream: vm.url,
      tls: { certFile: certs.serverCertFile, keyFile: certs.serverKeyFile },
      clientCaFile: certs.caFile,
    });
  });
  afterAll(async () => nginx?.stop());

  it("accepts our client certificate; the line reads back", async () => {
    const t = transport({
      verifyTls: certs.caFile,
      tlsCertFile: certs.clientCertFile,
      tlsKeyFile: certs.clientKeyFile,
    });
    await t.post(`${nginx.url}/api/v1/import`, line("tr_mtls_ok"));
    expect((await vm.exportSeries('{__name__="tr_mtls_ok"}')).length).toBe(1);
  });

  it("refuses a client without a certificate, and says it is about the client certificate", async () => {
    const t = transport({ verifyTls: certs.caFile, clock: createFakeClock(), retry: { attempts: 2 } });
    const error = (await leaks.rejection(t.post(`${nginx.url}/api/v1/import`, line("tr_mtls_none")))) as TransportError;
    // nginx completes the TLS 1.3 handshake, then answers 400 "No required SSL certificate was sent".
    expect(error.outcome).toBe("400");
    expect(error.retryable).toBe(false);
    expect(error.hint).toMatch(/client certificate.*\(tls_cert_file\/tls_key_file\)/);
    expect(error.message).toContain("client certificate");
    expect(await vm.exportSeries('{__name__="tr_mtls_none"}')).toEqual([]);
  });

  it("refuses a certificate from another CA, with the same hint", async () => {
    const t = transport({
      verifyTls: certs.caFile,
      tlsCertFile: certs.otherClientCertFile,
      tlsKeyFile: certs.otherClientKeyFile,
      retry: { attempts: 1 },
    });
    const error = (await leaks.rejection(
      t.post(`${nginx.url}/api/v1/import`, line("tr_mtls_other")),
    )) as TransportError;
    expect(error.outcome === "400" || error.outcome === "ssl_error").toBe(true);
    expect(error.hint).toMatch(/client certificate/);
    expect(await vm.exportSeries('{__name__="tr_mtls_other"}')).toEqual([]);
  });
});

describe("a TLS 1.3 server that requires a client certificate in the handshake (node:https)", () => {
  it("classifies the refusal as ssl_error with the client-certificate hint", async () => {
    const server = createHttpsServer(
      {
        cert: readFileSync(certs.serverCertFile),
        key: readFileSync(certs.serverKeyFile),
        ca: readFileSync(certs.caFile),
        requestCert: true,
        rejectUnauthorized: true,
        minVersion: "TLSv1.3",
      },
      (_req, res) => res.writeHead(204).end(),
    );
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const url = `https://127.0.0.1:${(server.address() as { port: number }).port}`;
    try {
      const error = (await leaks.rejection(
        transport({ verifyTls: certs.caFile, retry: { attempts: 1 } }).get(`${url}/health`),
      )) as TransportError;
      expect(error.hint).toMatch(/client certificate/);
      expect(["ssl_error", "connection_error"]).toContain(error.outcome);
      // A POST goes through undici's request(), not fetch: the same classification and hint.
      const posted = (await leaks.rejection(
        transport({ verifyTls: certs.caFile, retry: { attempts: 1 } }).post(`${url}/api/v1/import`, "a"),
      )) as TransportError;
      expect(posted.hint).toMatch(/client certificate/);
      expect(["ssl_error", "connection_error"]).toContain(posted.outcome);
      const withCertificate = transport({
        verifyTls: certs.caFile,
        tlsCertFile: certs.clientCertFile,
        tlsKeyFile: certs.clientKeyFile,
      });
      expect((await withCertificate.get(`${url}/health`)).status).toBe(204);
      expect((await withCertificate.post(`${url}/api/v1/import`, "a")).status).toBe(204);
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});

describe("vmauth with bearer tokens", () => {
  let vmauth: VmauthServer;
  let dir: string;
  beforeAll(async () => {
    vmauth = await startVmauth({ users: [{ bearerToken: TOKEN_ONE, upstream: vm.url }] });
    dir = await mkdtemp(join(tmpdir(), "transport-token-"));
  });
  afterAll(async () => {
    await vmauth?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("routes the right token; the line reads back", async () => {
    await transport({ bearerToken: TOKEN_ONE }).post(`${vmauth.url}/api/v1/import`, line("tr_bearer_ok"));
    expect((await vm.exportSeries('{__name__="tr_bearer_ok"}')).length).toBe(1);
  });

  it("answers a wrong token with 400 that echoes it: the token is scrubbed from body and message", async () => {
    const clock = createFakeClock();
    const t = transport({ bearerToken: WRONG_TOKEN, clock, retry: { attempts: 3 } });
    const error = (await leaks.rejection(
      t.post(`${vmauth.url}/api/v1/import`, line("tr_bearer_wrong")),
    )) as TransportError;
    expect([error.outcome, error.retryable, error.attempts, error.credentialError]).toEqual(["400", false, 1, true]);
    expect(error.body).toContain("cannot find the provided auth token");
    expect(error.body).toContain("<redacted>");
    expect(error.body).not.toContain(WRONG_TOKEN);
    expect(error.message).toContain("cannot find the provided auth token");
    expect(error.message).not.toContain(WRONG_TOKEN);
    expect(clock.sleeps).toEqual([]);
  });

  it("answers no token with 401", async () => {
    const error = (await leaks.rejection(
      transport({ retry: { attempts: 1 } }).post(`${vmauth.url}/api/v1/import`, line("tr_bearer_none")),
    )) as TransportError;
    expect([error.outcome, error.credentialError]).toEqual(["401", true]);
  });

  it("re-reads bearer_token_file after rotation, without a new transport", async () => {
    const file = join(dir, "token");
    await writeFile(file, `${TOKEN_ONE}\n`);
    await vmauth.setUsers([{ bearerToken: TOKEN_ONE, upstream: vm.url }]);
    const t = transport({ bearerTokenFile: file, retry: { attempts: 1 } });
    await t.post(`${vmauth.url}/api/v1/import`, line("tr_rotate", [1]));

    await vmauth.setUsers([{ bearerToken: TOKEN_TWO, upstream: vm.url }]);
    await writeFile(file, `${TOKEN_TWO}\n`);
    await t.post(`${vmauth.url}/api/v1/import`, line("tr_rotate", [2], { after: "rotation" }));

    const series = await vm.exportSeries('{__name__="tr_rotate"}');
    expect(series.map((s) => [s.metric.after ?? "", s.values]).sort()).toEqual([
      ["", [1]],
      ["rotation", [2]],
    ]);

    // The old token is gone from vmauth: a request with it would be refused, and the error does not show it.
    const old = (await leaks.rejection(
      transport({ bearerToken: TOKEN_ONE, retry: { attempts: 1 } }).get(
        `${vmauth.url}/api/v1/export?match[]=tr_rotate`,
      ),
    )) as TransportError;
    expect(old.outcome).toBe("400");
  });
});

/** The points of `match`, once there are `expected` (a new VictoriaMetrics makes a day's first rows searchable a moment later). */
async function pointsOf(match: string, expected: number): Promise<number> {
  for (const deadline = Date.now() + 20_000; ; await new Promise((resolve) => setTimeout(resolve, 100))) {
    const points = (await vm.exportSeries(match)).reduce((n, s) => n + s.values.length, 0);
    if (points >= expected || Date.now() > deadline) return points;
  }
}

describe("gzip and streamed bodies into VictoriaMetrics", () => {
  let nginx: NginxServer;
  beforeAll(async () => {
    nginx = await startNginx({ upstream: vm.url });
  });
  afterAll(async () => nginx?.stop());

  it("imports a gzip body; nginx logs Content-Encoding gzip and the data reads back", async () => {
    const body = Array.from({ length: 50 }, (_, i) => line("tr_gzip", [i, i + 1], { series: String(i) })).join("");
    const res = await transport({ gzip: true }).post(`${nginx.url}/api/v1/import`, body);
    expect(res.bytesSent).toBeLessThan(Buffer.byteLength(body) / 3);
    expect(
      await nginx.waitForAccessLog((l) => l.startsWith("POST /api/v1/import 204") && l.endsWith('"gzip"'), 1),
    ).toHaveLength(1);
    const series = await vm.exportSeries('{__name__="tr_gzip"}');
    expect(series).toHaveLength(50);
    expect(series.every((s) => s.values.length === 2)).toBe(true);
  });

  it("streams several MB from a generator; every point reads back", async () => {
    const { factory, bytes, points } = bigStream("tr_stream", 10, 35);
    expect(bytes).toBeGreaterThan(4 * 1024 * 1024);
    const res = await transport({ timeoutMs: 60_000 }).post(`${vm.url}/api/v1/import`, factory);
    expect(res.bytesSent).toBe(bytes);
    expect(await pointsOf('{__name__="tr_stream"}', points)).toBe(points);
    expect(await vm.exportSeries('{__name__="tr_stream"}')).toHaveLength(10);
  });

  it("streams several MB through gzip; nginx logs gzip and every point reads back", async () => {
    const { factory, bytes, points } = bigStream("tr_stream_gz", 10, 35);
    const res = await transport({ timeoutMs: 60_000, gzip: true }).post(`${nginx.url}/api/v1/import`, factory);
    expect(res.bytesSent).toBeLessThan(bytes / 3);
    expect(
      await nginx.waitForAccessLog((l) => l.startsWith("POST /api/v1/import 204") && l.endsWith('"gzip"'), 2),
    ).toHaveLength(2);
    expect(await pointsOf('{__name__="tr_stream_gz"}', points)).toBe(points);
  });
});

describe("secrets", () => {
  it("never shows a password, token or basic credential in any error, message or hook info of this file", () => {
    expect(leaks.texts().length).toBeGreaterThan(30);
    expect(leaks.leaks(SECRETS)).toEqual([]);
  });
});

/**
 * A body of `series × lines` JSON lines of 1000 points each (distinct timestamps per line),
 * produced line by line.
 */
function bigStream(name: string, series: number, linesPerSeries: number) {
  const pointsPerLine = 1000;
  const lineText = (s: number, l: number) => {
    const start = T0 + l * pointsPerLine * 1000;
    const timestamps = Array.from({ length: pointsPerLine }, (_, i) => start + i * 1000);
    const values = timestamps.map((_, i) => (s * 7 + l + i) % 97);
    return `${JSON.stringify({ metric: { __name__: name, series: String(s) }, values, timestamps })}\n`;
  };
  let bytes = 0;
  for (let s = 0; s < series; s++) for (let l = 0; l < linesPerSeries; l++) bytes += Buffer.byteLength(lineText(s, l));
  return {
    bytes,
    points: series * linesPerSeries * pointsPerLine,
    factory: async function* () {
      for (let s = 0; s < series; s++) for (let l = 0; l < linesPerSeries; l++) yield lineText(s, l);
    },
  };
}
