import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { type CaptureLogger, createCaptureLogger } from "@anomaly-writer/common";
import { parseConfig } from "@anomaly-writer/config";
import {
  type HttpRequestOptions,
  httpSend,
  makeCertificates,
  makeRecords,
  startVictoriaMetrics,
  type TestCertificates,
  type VictoriaMetricsServer,
  writerYaml,
} from "@anomaly-writer/test-stack";
import { createVmWriter, type VmWriter } from "@anomaly-writer/writer";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type IngestServer, type IngestServerOptions, startIngestServer } from "./start-ingest-server.ts";
import { holdRequest, metricValue, waitForInFlight, within } from "./testing/ingest-helpers.ts";
import { openRawRequest } from "./testing/open-raw-request.ts";

// Secrets used below: none of them may ever appear in a log line.
const TOKEN = "tok-Inline-4b8e0c2f9a";
const TOKEN_A = "tok-FileA-71c3d5e2b0";
const TOKEN_B = "tok-FileB-0a9f6e4d18";
const WRONG_TOKEN = "tok-Wrong-5d2a8c7e31";
const PASSWORD = "pw-Basic-9e3b7a1c64";
const QUERY_SECRET = "qs-Secret-2f8d4b6a0c";
const SECRETS = [TOKEN, TOKEN_A, TOKEN_B, WRONG_TOKEN, PASSWORD, QUERY_SECRET];

let vm: VictoriaMetricsServer;
let certs: TestCertificates;
const servers: IngestServer[] = [];
const writers: VmWriter[] = [];
const loggers: CaptureLogger[] = [];

beforeAll(async () => {
  vm = await startVictoriaMetrics();
  certs = makeCertificates();
});
afterAll(async () => {
  for (const server of servers) await server.close({ graceMs: 100 });
  for (const writer of writers) await writer.close();
  await vm?.stop();
});

/** A writer to the test VictoriaMetrics behind a new ingest server on a free loopback port. */
async function start(options: IngestServerOptions = {}) {
  const logger = createCaptureLogger();
  const writer = createVmWriter(parseConfig(writerYaml(vm.url)));
  const server = await startIngestServer(writer, { port: 0, logger, ...options });
  servers.push(server);
  writers.push(writer);
  loggers.push(logger);
  const post = (body: string | Buffer, request: HttpRequestOptions = {}) =>
    httpSend(`${server.url}/api/v1/outputs`, {
      method: "POST",
      body,
      ...request,
      headers: { "content-type": "application/json", ...request.headers },
    });
  return { server, logger, post };
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const basic = (user: string, password: string) => ({
  authorization: `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`,
});
const body = (queryKey: string, count = 1, first = 0) =>
  JSON.stringify(makeRecords({ queryKey, count, labels: (i) => ({ instance: `h${first + i}`, job: "node" }) }));
const instancesIn = async (queryKey: string) =>
  new Set((await vm.exportSeries(`{__name__="anomaly_score",for="${queryKey}"}`)).map((s) => s.metric.instance));
describe("startIngestServer: authentication", () => {
  it("answers 401 without or with a wrong bearer token, takes the right one, keeps /health open and /metrics closed", async () => {
    const { server, logger, post } = await start({ bearerToken: TOKEN });
    const none = await post(body("auth_bearer"));
    expect(none.status).toBe(401);
    expect(none.headers["www-authenticate"]).toBe('Bearer realm="anomaly-writer"');
    expect((await post(body("auth_bearer"), { headers: bearer(WRONG_TOKEN) })).status).toBe(401);
    expect((await post(body("auth_bearer"), { headers: { authorization: `Basic ${TOKEN}` } })).status).toBe(401);
    const right = await httpSend(`${server.url}/api/v1/outputs?token=${QUERY_SECRET}`, {
      method: "POST",
      body: body("auth_bearer"),
      headers: bearer(TOKEN),
    });
    expect(right.status).toBe(200);
    expect(await instancesIn("auth_bearer")).toEqual(new Set(["h0"]));

    expect((await httpSend(`${server.url}/health`)).status).toBe(200);
    expect((await httpSend(`${server.url}/metrics`)).status).toBe(401);
    expect((await httpSend(`${server.url}/no-such-route`)).status).toBe(401);
    const metrics = await httpSend(`${server.url}/metrics`, { headers: bearer(TOKEN) });
    expect(metrics.status).toBe(200);
    expect(metricValue(metrics.body, 'anomaly_writer_ingest_rejected_total{reason="unauthorized"}')).toBe(5);
    expect(metricValue(metrics.body, 'anomaly_writer_ingest_requests_total{path="/api/v1/outputs",code="401"}')).toBe(
      3,
    );
    expect(metricValue(metrics.body, 'anomaly_writer_ingest_requests_total{path="/api/v1/outputs",code="200"}')).toBe(
      1,
    );

    expect(logger.lines).toContainEqual(
      expect.stringMatching(/^info access POST \/api\/v1\/outputs 401 \d+B \d+ms 127\.0\.0\.1:\d+ auth=missing$/),
    );
    expect(logger.lines).toContainEqual(
      expect.stringMatching(/^info access POST \/api\/v1\/outputs 401 \d+B \d+ms 127\.0\.0\.1:\d+ auth=invalid$/),
    );
    expect(logger.lines).toContainEqual(
      expect.stringMatching(/^info access POST \/api\/v1\/outputs 200 \d+B \d+ms 127\.0\.0\.1:\d+$/),
    );
    for (const secret of SECRETS) expect(logger.text()).not.toContain(secret);
  });

  it("re-reads bearer_token_file when it is rotated; every line is a token", async () => {
    const file = join(mkdtempSync(join(tmpdir(), "ingest-tokens-")), "tokens");
    writeFileSync(file, `${TOKEN_A}\n`);
    const { post, logger } = await start({ bearerTokenFile: file });
    expect((await post(body("auth_file", 1, 0), { headers: bearer(TOKEN_A) })).status).toBe(200);
    expect((await post(body("auth_file", 1, 1), { headers: bearer(TOKEN_B) })).status).toBe(401);

    writeFileSync(file, `${TOKEN_B}\n`); // same size, written right away: the racy-stat case
    expect((await post(body("auth_file", 1, 2), { headers: bearer(TOKEN_A) })).status).toBe(401);
    expect((await post(body("auth_file", 1, 3), { headers: bearer(TOKEN_B) })).status).toBe(200);

    writeFileSync(file, `  ${TOKEN_A}\n\n${TOKEN_B}  \n`);
    expect((await post(body("auth_file", 1, 4), { headers: bearer(TOKEN_A) })).status).toBe(200);
    expect((await post(body("auth_file", 1, 5), { headers: bearer(TOKEN_B) })).status).toBe(200);

    writeFileSync(file, "");
    expect((await post(body("auth_file", 1, 6), { headers: bearer(TOKEN_A) })).status).toBe(401);
    expect(logger.lines).toContainEqual(expect.stringContaining(`bearer_token_file ${file}: is empty`));

    expect(await instancesIn("auth_file")).toEqual(new Set(["h0", "h3", "h4", "h5"]));
    expect(readFileSync(file, "utf8")).toBe("");
    for (const secret of SECRETS) expect(logger.text()).not.toContain(secret);
  });

  it("refuses to start when bearer_token_file has no token", async () => {
    const file = join(mkdtempSync(join(tmpdir(), "ingest-tokens-")), "empty");
    writeFileSync(file, "\n");
    const writer = createVmWriter(parseConfig(writerYaml(vm.url)));
    writers.push(writer);
    await expect(startIngestServer(writer, { port: 0, bearerTokenFile: file })).rejects.toMatchObject({
      code: "INGEST_SERVER_CONFIG",
    });
  });

  it("takes the right basic auth user and password, refuses wrong ones, and logs the user name only", async () => {
    const { post, logger } = await start({
      users: [
        { user: "svc", password: PASSWORD },
        { user: "ops", password: `${PASSWORD}-2` },
      ],
    });
    const none = await post(body("auth_basic"));
    expect(none.status).toBe(401);
    expect(none.headers["www-authenticate"]).toBe('Basic realm="anomaly-writer", charset="UTF-8"');
    expect((await post(body("auth_basic", 1, 1), { headers: basic("svc", `${PASSWORD}-2`) })).status).toBe(401);
    expect((await post(body("auth_basic", 1, 2), { headers: basic("nobody", PASSWORD) })).status).toBe(401);
    expect((await post(body("auth_basic", 1, 3), { headers: bearer(PASSWORD) })).status).toBe(401);
    expect((await post(body("auth_basic", 1, 4), { headers: basic("svc", PASSWORD) })).status).toBe(200);
    expect((await post(body("auth_basic", 1, 5), { headers: basic("ops", `${PASSWORD}-2`) })).status).toBe(200);
    expect(await instancesIn("auth_basic")).toEqual(new Set(["h4", "h5"]));
    expect(logger.lines).toContainEqual(expect.stringMatching(/ 200 \d+B \d+ms 127\.0\.0\.1:\d+ user="svc"$/));
    for (const secret of SECRETS) expect(logger.text()).not.toContain(secret);
  });
});

describe("startIngestServer: TLS", () => {
  it("serves HTTPS that a client trusting our CA accepts and one trusting another CA refuses", async () => {
    const { server, post } = await start({
      tlsCertFile: certs.serverCertFile,
      tlsKeyFile: certs.serverKeyFile,
      bearerToken: TOKEN,
    });
    expect(server.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect((await post(body("tls_ok"), { ca: readFileSync(certs.caFile), headers: bearer(TOKEN) })).status).toBe(200);
    await expect(
      post(body("tls_ok", 1, 1), { ca: readFileSync(certs.otherCaFile), headers: bearer(TOKEN) }),
    ).rejects.toThrow(/certificate/i);
    expect(await instancesIn("tls_ok")).toEqual(new Set(["h0"]));
  });

  it("refuses to start with a swapped or mismatched certificate and key, naming the files (not a bare OpenSSL message)", async () => {
    const writer = createVmWriter(parseConfig(writerYaml(vm.url)));
    writers.push(writer);
    await expect(
      startIngestServer(writer, { port: 0, tlsCertFile: certs.serverCertFile, tlsKeyFile: certs.clientKeyFile }),
    ).rejects.toMatchObject({
      code: "INGEST_SERVER_CONFIG",
      message: expect.stringContaining(
        `[ingest-server] ingest_server tls_cert_file ${certs.serverCertFile}, tls_key_file ${certs.clientKeyFile}: cannot be used for TLS (`,
      ),
    });
    await expect(
      startIngestServer(writer, { port: 0, tlsCertFile: certs.serverCertFile, tlsKeyFile: certs.clientKeyFile }),
    ).rejects.toMatchObject({
      message: expect.stringMatching(/key values mismatch\)$/),
    });
    await expect(
      startIngestServer(writer, { port: 0, tlsCertFile: certs.serverKeyFile, tlsKeyFile: certs.serverCertFile }),
    ).rejects.toMatchObject({
      code: "INGEST_SERVER_CONFIG",
      message: expect.stringContaining(
        `ingest_server tls_cert_file ${certs.serverKeyFile}, tls_key_file ${certs.serverCertFile}: cannot be used for TLS (`,
      ),
    });
  });

  it("with tls_client_ca_file (mTLS) refuses clients without a certificate or with one from another CA", async () => {
    const { server, post, logger } = await start({
      tlsCertFile: certs.serverCertFile,
      tlsKeyFile: certs.serverKeyFile,
      tlsClientCaFile: certs.caFile,
    });
    const ca = readFileSync(certs.caFile);
    await expect(post(body("mtls"), { ca })).rejects.toThrow();
    await expect(
      post(body("mtls", 1, 1), {
        ca,
        cert: readFileSync(certs.otherClientCertFile),
        key: readFileSync(certs.otherClientKeyFile),
      }),
    ).rejects.toThrow();
    const mine = { ca, cert: readFileSync(certs.clientCertFile), key: readFileSync(certs.clientKeyFile) };
    expect((await post(body("mtls", 1, 2), mine)).status).toBe(200);
    expect(await instancesIn("mtls")).toEqual(new Set(["h2"]));
    const metrics = await httpSend(`${server.url}/metrics`, mine);
    expect(metricValue(metrics.body, 'anomaly_writer_ingest_rejected_total{reason="tls_handshake"}')).toBe(2);
    expect(logger.lines).toContainEqual(
      expect.stringMatching(/ 200 \d+B \d+ms 127\.0\.0\.1:\d+ cn="anomaly-writer-client"$/),
    );
  });
});

describe("startIngestServer: limits", () => {
  it("answers 413 to a body over max_body_size (declared, chunked or gzip-inflated) and keeps serving others", async () => {
    const { server, post } = await start({ maxBodyBytes: 64 * 1024 });
    const big = `[${Array.from({ length: 2000 }, () => body("too_big")).join(",")}]`;
    expect(big.length).toBeGreaterThan(64 * 1024);
    const [declared, chunked, inflated, good] = await Promise.all([
      post(big),
      post(big, { headers: { "transfer-encoding": "chunked" } }),
      post(gzipSync(big), { headers: { "content-encoding": "gzip" } }),
      post(body("next_to_big")),
    ]);
    expect([declared.status, chunked.status, inflated.status, good.status]).toEqual([413, 413, 413, 200]);
    expect(JSON.parse(declared.body).error).toContain("larger than 65536 bytes");
    expect((await post(body("next_to_big", 1, 1))).status).toBe(200);
    expect(await instancesIn("too_big")).toEqual(new Set());
    expect(await instancesIn("next_to_big")).toEqual(new Set(["h0", "h1"]));
    const metrics = await httpSend(`${server.url}/metrics`);
    expect(metricValue(metrics.body, 'anomaly_writer_ingest_rejected_total{reason="body_too_large"}')).toBe(3);
  });

  it("answers 413 to more records or series than allowed and writes nothing of such a request", async () => {
    const { post } = await start({ maxRecordsPerRequest: 5, maxSeriesPerRequest: 10 });
    const records = await post(body("too_many_records", 6));
    expect(records.status).toBe(413);
    expect(JSON.parse(records.body).error).toBe("6 records in one request; the limit is 5: split the body");
    const series = await post(body("too_many_series", 4)); // 4 records × 3 outputs = 12 series
    expect(series.status).toBe(413);
    expect(JSON.parse(series.body).error).toBe("12 output series in one request; the limit is 10: split the body");
    expect((await post(body("within_limits", 3))).status).toBe(200);
    expect(await instancesIn("too_many_records")).toEqual(new Set());
    expect(await instancesIn("too_many_series")).toEqual(new Set());
    expect(await instancesIn("within_limits")).toEqual(new Set(["h0", "h1", "h2"]));
  });

  it("applies the documented record and series limits when none are given (10 000 records, 50 000 series)", async () => {
    const { post } = await start();
    const records = await post(body("default_records", 10_001));
    expect(records.status).toBe(413);
    expect(JSON.parse(records.body).error).toBe("10001 records in one request; the limit is 10000: split the body");
    const series = await post(
      body("default_series", 10_000).replace(/"outputs":\{/g, '"outputs":{"a":[1],"b":[1],"c":[1],'),
    );
    expect(series.status).toBe(413);
    expect(JSON.parse(series.body).error).toBe(
      "60000 output series in one request; the limit is 50000: split the body",
    );
    expect(await instancesIn("default_records")).toEqual(new Set());
  });

  it("answers 503 with Retry-After beyond max_concurrent_requests; what was acknowledged is in VictoriaMetrics", async () => {
    const { server, post } = await start({ maxConcurrentRequests: 2 });
    // Two requests that hold their slot: headers and half of the body sent, the rest later.
    const held = await Promise.all([0, 1].map((i) => holdRequest(server, body("cap_held", 1, i))));
    await waitForInFlight(server, 3); // the two held + the /metrics request asking
    const flood = await Promise.all(Array.from({ length: 20 }, (_, i) => post(body("cap_refused", 1, i))));
    expect(new Set(flood.map((r) => r.status))).toEqual(new Set([503]));
    expect(flood[0]?.headers["retry-after"]).toBe("1");
    for (const h of held) h.finish();
    const answers = await Promise.all(held.map(({ raw }) => within(raw.closed, 10_000, "the held request's answer")));
    for (const answer of answers) expect(answer).toMatch(/^HTTP\/1\.1 200 /);
    expect(await instancesIn("cap_held")).toEqual(new Set(["h0", "h1"]));
    expect(await instancesIn("cap_refused")).toEqual(new Set());

    // A real flood: whatever got 200 is in VictoriaMetrics, whatever got 503 is not.
    const statuses = await Promise.all(
      Array.from({ length: 40 }, (_, i) => post(body("cap_flood", 1, i)).then((r) => r.status)),
    );
    expect(statuses.every((s) => s === 200 || s === 503)).toBe(true);
    const written = await instancesIn("cap_flood");
    expect(written).toEqual(new Set(statuses.flatMap((s, i) => (s === 200 ? [`h${i}`] : []))));
    const metrics = await httpSend(`${server.url}/metrics`);
    expect(metricValue(metrics.body, 'anomaly_writer_ingest_rejected_total{reason="overloaded"}')).toBe(
      20 + statuses.filter((s) => s === 503).length,
    );
  });

  it("cuts slow-loris requests (headers or body trickled) and idle connections at the timeout, and keeps serving", async () => {
    const { server, post, logger } = await start({ timeoutMs: 600 });
    const trickle = (raw: Awaited<ReturnType<typeof openRawRequest>>, piece: string) => {
      const timer = setInterval(() => raw.socket.writable && raw.socket.write(piece), 100);
      void raw.closed.then(() => clearInterval(timer));
      return raw;
    };
    const slowHeaders = trickle(
      await openRawRequest(server.url, "POST /api/v1/outputs HTTP/1.1\r\nHost: test\r\n"),
      "X-Slow: 1\r\n",
    );
    const slowBody = trickle(
      await openRawRequest(
        server.url,
        "POST /api/v1/outputs HTTP/1.1\r\nHost: test\r\nContent-Length: 100000\r\n\r\n[",
      ),
      " ",
    );
    const silent = await openRawRequest(server.url);
    const [headersAnswer, bodyAnswer, silentAnswer] = await within(
      Promise.all([slowHeaders.closed, slowBody.closed, silent.closed]),
      10_000,
      "closing the slow connections",
    );
    expect(headersAnswer).toMatch(/^HTTP\/1\.1 408 /);
    expect(bodyAnswer).toMatch(/^HTTP\/1\.1 408 /);
    expect(silentAnswer).toMatch(/^(HTTP\/1\.1 408 [\s\S]*)?$/); // closed, by the idle or the headers timeout
    expect((await post(body("after_loris"))).status).toBe(200);
    const metrics = await httpSend(`${server.url}/metrics`);
    expect(
      metricValue(metrics.body, 'anomaly_writer_ingest_rejected_total{reason="request_timeout"}'),
    ).toBeGreaterThanOrEqual(2);
    expect(logger.lines).toContainEqual(expect.stringMatching(/^info access POST \/api\/v1\/outputs 408 /));
  });
});

describe("startIngestServer: binding", () => {
  it("warns loudly when listening beyond loopback without authentication, and about clear text with auth but no TLS", async () => {
    const open = await start({ host: "0.0.0.0" });
    expect(open.logger.lines).toContainEqual(
      expect.stringMatching(/^warn ingest server: listening on http:\/\/0\.0\.0\.0:\d+ WITHOUT AUTHENTICATION/),
    );
    const clear = await start({ host: "0.0.0.0", bearerToken: TOKEN });
    expect(clear.logger.lines).toContainEqual(
      expect.stringMatching(/^warn ingest server: listening on http:\/\/0\.0\.0\.0:\d+ without TLS/),
    );
    const local = await start();
    expect(local.logger.lines.filter((l) => l.startsWith("warn"))).toEqual([]);
    expect(local.server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it("close() lets requests in flight finish before it resolves", async () => {
    const { server } = await start();
    const held = await holdRequest(server, body("close_in_flight", 3));
    await waitForInFlight(server, 2); // the held request + the /metrics request asking
    const closing = server.close();
    held.finish();
    expect(await within(held.raw.closed, 10_000, "the held request's answer")).toMatch(/^HTTP\/1\.1 200 /);
    await within(closing, 10_000, "close()");
    expect(await instancesIn("close_in_flight")).toEqual(new Set(["h0", "h1", "h2"]));
  });
});

describe("logs", () => {
  it("hold none of the test secrets", () => {
    const all = loggers.map((l) => l.text()).join("\n");
    expect(all).toContain("access ");
    for (const secret of SECRETS) expect(all).not.toContain(secret);
  });
});
