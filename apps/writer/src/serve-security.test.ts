import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import {
  freePort,
  type HttpRequestOptions,
  httpSend,
  makeCertificates,
  startVictoriaMetrics,
  type TestCertificates,
  type VictoriaMetricsServer,
} from "@anomaly-writer/test-stack";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { finished, runCli, startCli } from "./testing/run-cli.ts";

// Test secrets: the CLI's output must never show them.
const TOKEN_1 = "tok-Serve-One-8d1f4c7a2e";
const TOKEN_2 = "tok-Serve-Two-3b6e9a0d5f";
const PASSWORD = "pw-Serve-Basic-6c2a9e4f1b";
const SECRETS = [TOKEN_1, TOKEN_2, PASSWORD];

const dir = mkdtempSync(join(tmpdir(), "anomaly-writer-serve-security-"));
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
const record = (queryKey: string, instance: string) => ({
  query_key: queryKey,
  labels: { instance, job: "node" },
  timestamps: [1732406400000, 1732406460000],
  outputs: { anomaly_score: [0.5, 2.5], yhat: [10, 11] },
});

let vm: VictoriaMetricsServer;
let certs: TestCertificates;
const children: ReturnType<typeof startCli>[] = [];
beforeAll(async () => {
  vm = await startVictoriaMetrics();
  certs = makeCertificates();
});
afterAll(async () => {
  for (const child of children) if (child.exitCode === null) child.kill("SIGKILL");
  await vm?.stop();
});

/** Start `anomaly-writer serve` and wait until `healthUrl` answers 200. */
async function serve(
  args: string[],
  healthUrl: string,
  request: HttpRequestOptions = {},
  env: Record<string, string> = {},
) {
  const child = startCli(["serve", ...args], env);
  children.push(child);
  for (let i = 0; i < 200; i++) {
    if (child.exitCode !== null) throw new Error(`serve exited early: ${JSON.stringify(child.output())}`);
    if (
      await httpSend(healthUrl, request).then(
        (r) => r.status === 200,
        () => false,
      )
    )
      return child;
    await sleep(50);
  }
  throw new Error(`serve did not answer ${healthUrl}: ${JSON.stringify(child.output())}`);
}

const instancesIn = async (queryKey: string) =>
  new Set((await vm.exportSeries(`{__name__="anomaly_score",for="${queryKey}"}`)).map((s) => s.metric.instance));

describe("anomaly-writer serve with ingest_server:", () => {
  it("listens where the config says, over mTLS, with bearer tokens from a rotated file and basic auth from %{ENV}, and limits bodies", async () => {
    const port = await freePort();
    const tokens = file("tokens", `${TOKEN_1}\n`);
    const config = file(
      "secure.yml",
      `writer:
  datasource_url: ${vm.url}
ingest_server:
  listen: 127.0.0.1:${port}
  bearer_token_file: ${tokens}
  users:
    - user: svc
      password: %{INGEST_PASSWORD}
  tls_cert_file: ${certs.serverCertFile}
  tls_key_file: ${certs.serverKeyFile}
  tls_client_ca_file: ${certs.caFile}
  max_body_size: 16KiB
  max_concurrent_requests: 4
  timeout: 5s
`,
    );
    const base = `https://127.0.0.1:${port}`;
    const tls = {
      ca: readFileSync(certs.caFile),
      cert: readFileSync(certs.clientCertFile),
      key: readFileSync(certs.clientKeyFile),
    };
    const child = await serve(["-c", config], `${base}/health`, tls, { INGEST_PASSWORD: PASSWORD });
    const post = (body: string, headers: Record<string, string> = {}) =>
      httpSend(`${base}/api/v1/outputs`, {
        method: "POST",
        body,
        headers: { "content-type": "application/json", ...headers },
        ...tls,
      });

    expect((await post(JSON.stringify(record("serve_sec", "none")))).status).toBe(401);
    expect(
      (await post(JSON.stringify(record("serve_sec", "wrong")), { authorization: `Bearer ${TOKEN_2}` })).status,
    ).toBe(401);
    expect((await post(JSON.stringify(record("serve_sec", "t1")), { authorization: `Bearer ${TOKEN_1}` })).status).toBe(
      200,
    );
    writeFileSync(tokens, `${TOKEN_2}\n`);
    expect(
      (await post(JSON.stringify(record("serve_sec", "t1-old")), { authorization: `Bearer ${TOKEN_1}` })).status,
    ).toBe(401);
    expect((await post(JSON.stringify(record("serve_sec", "t2")), { authorization: `Bearer ${TOKEN_2}` })).status).toBe(
      200,
    );
    const basicAuth = `Basic ${Buffer.from(`svc:${PASSWORD}`).toString("base64")}`;
    expect((await post(JSON.stringify(record("serve_sec", "basic")), { authorization: basicAuth })).status).toBe(200);
    const big = JSON.stringify(Array.from({ length: 200 }, (_, i) => record("serve_sec_big", `b${i}`)));
    expect((await post(big, { authorization: basicAuth })).status).toBe(413);
    await expect(httpSend(`${base}/health`, { ca: tls.ca })).rejects.toThrow(); // no client certificate
    expect((await httpSend(`${base}/metrics`, tls)).status).toBe(401);
    const metrics = await httpSend(`${base}/metrics`, { ...tls, headers: { authorization: basicAuth } });
    expect(metrics.body).toMatch(/anomaly_writer_ingest_rejected_total\{reason="unauthorized"\} 4/);

    expect(await instancesIn("serve_sec")).toEqual(new Set(["t1", "t2", "basic"]));
    expect(await instancesIn("serve_sec_big")).toEqual(new Set());

    child.kill("SIGTERM");
    const exit = await finished(child);
    expect(exit.code).toBe(0);
    expect(exit.stderr).toContain(`serving POST ${base}/api/v1/outputs`);
    expect(exit.stderr).toMatch(
      /access POST \/api\/v1\/outputs 401 \d+B \d+ms 127\.0\.0\.1:\d+ cn="anomaly-writer-client" auth=missing/,
    );
    expect(exit.stderr).toMatch(
      /access POST \/api\/v1\/outputs 200 \d+B \d+ms 127\.0\.0\.1:\d+ user="svc" cn="anomaly-writer-client"/,
    );
    expect(exit.stderr).not.toContain("WITHOUT AUTHENTICATION");
    for (const secret of SECRETS) expect(exit.stdout + exit.stderr).not.toContain(secret);
  });

  it("--listen overrides ingest_server.listen; beyond loopback without auth it warns loudly", async () => {
    const port = await freePort();
    const config = file("open.yml", `writer:\n  datasource_url: ${vm.url}\ningest_server:\n  listen: 127.0.0.1:1\n`);
    const child = await serve(["-c", config, "--listen", `0.0.0.0:${port}`], `http://127.0.0.1:${port}/health`);
    expect(
      (
        await httpSend(`http://127.0.0.1:${port}/api/v1/outputs`, {
          method: "POST",
          body: JSON.stringify(record("serve_open", "x")),
        })
      ).status,
    ).toBe(200);
    child.kill("SIGTERM");
    const exit = await finished(child);
    expect(exit.code).toBe(0);
    expect(exit.stderr).toMatch(/listening on http:\/\/0\.0\.0\.0:\d+ WITHOUT AUTHENTICATION/);
  });

  it("exits 2 with the key path when ingest_server is wrong", async () => {
    const config = file(
      "bad.yml",
      `writer:\n  datasource_url: ${vm.url}\ningest_server:\n  tls_cert_file: ${certs.serverCertFile}\n  max_body_size: lots\n`,
    );
    const run = await runCli(["serve", "-c", config]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("ingest_server.tls_cert_file: is set but tls_key_file is not");
    expect(run.stderr).toContain("ingest_server.max_body_size: must be a size such as 32MiB");
  });
});
