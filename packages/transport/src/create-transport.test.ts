import { createHash, randomBytes } from "node:crypto";
import { subscribe, unsubscribe } from "node:diagnostics_channel";
import { createServer as createHttpServer } from "node:http";
import { createServer as createNetServer, type Server as NetServer, type Socket } from "node:net";
import { inspect } from "node:util";
import { gunzipSync } from "node:zlib";
import { afterAll, describe, expect, it } from "vitest";
import { freePort } from "@anomaly-writer/test-stack";
import { createTransport } from "./create-transport.ts";
import { TransportConfigError, TransportError } from "./errors.ts";
import { createFakeClock } from "./testing/create-fake-clock.ts";
import { createLeakCollector } from "./testing/create-leak-collector.ts";
import { startHttpPeer, type HttpPeer } from "./testing/start-http-peer.ts";
import type { TransportOptions } from "./transport-options.ts";

const PASSWORD = "pa55-Local-Secret!";
const TOKEN = "tok-local-7f3a9c1e";
const URL_PASSWORD = "url-pass-4d2b";
const SECRETS = [
  PASSWORD,
  TOKEN,
  URL_PASSWORD,
  Buffer.from(`writer:${PASSWORD}`).toString("base64"),
  Buffer.from(`alice:${URL_PASSWORD}`).toString("base64"),
];

const leaks = createLeakCollector();
const peers: HttpPeer[] = [];
const transports: { close(): Promise<void> }[] = [];

afterAll(async () => {
  await Promise.all(transports.map((t) => t.close()));
  await Promise.all(peers.map((p) => p.close()));
});

async function peer(handler: Parameters<typeof startHttpPeer>[0], options?: Parameters<typeof startHttpPeer>[1]): Promise<HttpPeer> {
  const started = await startHttpPeer(handler, options);
  peers.push(started);
  return started;
}

function transport(options: TransportOptions = {}) {
  const created = createTransport({ hooks: { onAttempt: leaks.onAttempt }, ...options });
  transports.push(created);
  return created;
}

/** Let undici put a finished connection back into its pool (a kept-alive socket is reused only once idle). */
const idle = () => new Promise((resolve) => setTimeout(resolve, 20));

/** Hook infos of the requests to one URL prefix. */
const infosFor = (prefix: string) => leaks.attempts.filter((info) => info.url.startsWith(prefix));

describe("status handling and retries against node:http", () => {
  it("retries 503 twice, then resolves on 204; hooks see 503, 503, 204 and the backoff doubles", async () => {
    const server = await peer(({ index, response }) => {
      response.statusCode = index <= 2 ? 503 : 204;
      response.end(index <= 2 ? "overloaded" : undefined);
    });
    const clock = createFakeClock();
    const t = transport({ clock, random: () => 0, retry: { attempts: 5 } });
    const res = await t.post(`${server.url}/api/v1/import`, "line\n", { context: { query_key: "q1" } });
    expect(res.status).toBe(204);
    expect(res.attempts).toBe(3);
    expect(server.requests.map((r) => r.body.toString())).toEqual(["line\n", "line\n", "line\n"]);
    const infos = infosFor(server.url);
    expect(infos.map((i) => i.code)).toEqual(["503", "503", "204"]);
    expect(infos.map((i) => i.willRetry)).toEqual([true, true, false]);
    expect(infos.map((i) => i.attempt)).toEqual([1, 2, 3]);
    expect(infos.every((i) => i.context?.query_key === "q1" && i.bytesSent === 5)).toBe(true);
    expect(clock.sleeps).toEqual([1000, 2000]);
  });

  it("gives up after retry.attempts with the last 5xx, retryable and with its body", async () => {
    const server = await peer(({ response }) => {
      response.statusCode = 502;
      response.end("bad gateway");
    });
    const clock = createFakeClock();
    const t = transport({ clock, random: () => 0, retry: { attempts: 3 } });
    const error = (await leaks.rejection(t.post(`${server.url}/x`, "a"))) as TransportError;
    expect(error).toBeInstanceOf(TransportError);
    expect(error.code).toBe("TRANSPORT_HTTP");
    expect(error.outcome).toBe("502");
    expect(error.status).toBe(502);
    expect(error.retryable).toBe(true);
    expect(error.attempts).toBe(3);
    expect(error.body).toBe("bad gateway");
    expect(error.message).toMatch(/^\[transport\] POST http:\/\/127\.0\.0\.1:\d+\/x: HTTP 502 \(3 attempts\): bad gateway$/);
    expect(clock.sleeps).toEqual([1000, 2000]);
  });

  it("honours Retry-After (seconds) on 429 through the injected sleep", async () => {
    const server = await peer(({ index, response }) => {
      if (index === 1) {
        response.writeHead(429, { "retry-after": "1" });
        response.end("slow down");
      } else {
        response.writeHead(204).end();
      }
    });
    const clock = createFakeClock();
    const t = transport({ clock, random: () => 0.99, retry: { attempts: 3, baseDelayMs: 5000 } });
    const res = await t.post(`${server.url}/api/v1/import`, "x");
    expect(res.attempts).toBe(2);
    expect(clock.sleeps).toEqual([1000]);
    expect(infosFor(server.url).map((i) => [i.code, i.delayMs])).toEqual([["429", 1000], ["204", undefined]]);
  });

  it("honours Retry-After as an HTTP date, capped at maxDelayMs", async () => {
    const clock = createFakeClock();
    const server = await peer(({ index, response }) => {
      if (index === 1) response.writeHead(503, { "retry-after": new Date(clock.now() + 30_000).toUTCString() }).end();
      else if (index === 2) response.writeHead(503, { "retry-after": "86400" }).end();
      else response.writeHead(200).end("ok");
    });
    const t = transport({ clock, random: () => 0, retry: { attempts: 3, maxDelayMs: 45_000 } });
    const res = await t.get(`${server.url}/health`);
    expect(res.body).toBe("ok");
    expect(clock.sleeps).toHaveLength(2);
    expect(clock.sleeps[0]).toBeGreaterThan(28_000);
    expect(clock.sleeps[0]).toBeLessThanOrEqual(30_000);
    expect(clock.sleeps[1]).toBe(45_000);
  });

  it("does not retry 400 and keeps its body", async () => {
    const server = await peer(({ response }) => {
      response.writeHead(400, { "content-type": "text/plain" }).end("cannot parse line 1: unexpected end of JSON");
    });
    const clock = createFakeClock();
    const t = transport({ clock, retry: { attempts: 5 } });
    const error = (await leaks.rejection(t.post(`${server.url}/api/v1/import`, "{"))) as TransportError;
    expect(error.code).toBe("TRANSPORT_HTTP");
    expect(error.outcome).toBe("400");
    expect(error.retryable).toBe(false);
    expect(error.credentialError).toBe(false);
    expect(error.attempts).toBe(1);
    expect(error.body).toBe("cannot parse line 1: unexpected end of JSON");
    expect(error.message).toContain("cannot parse line 1");
    expect(server.requests).toHaveLength(1);
    expect(clock.sleeps).toEqual([]);
    expect(infosFor(server.url).map((i) => [i.code, i.willRetry])).toEqual([["400", false]]);
  });

  it.each([409, 413, 415, 404, 422])("does not retry %i", async (status) => {
    const server = await peer(({ response }) => response.writeHead(status).end("no"));
    const t = transport({ clock: createFakeClock(), retry: { attempts: 4 } });
    const error = (await leaks.rejection(t.post(`${server.url}/x`, "a"))) as TransportError;
    expect([error.outcome, error.retryable, error.attempts]).toEqual([String(status), false, 1]);
  });

  it("flags 401 and 403 as credential errors, never retried", async () => {
    const server = await peer(({ index, response }) => response.writeHead(index === 1 ? 401 : 403).end("denied"));
    const t = transport({ clock: createFakeClock(), retry: { attempts: 4 }, user: "writer", password: PASSWORD });
    for (const status of [401, 403]) {
      const error = (await leaks.rejection(t.post(`${server.url}/x`, "a"))) as TransportError;
      expect([error.status, error.credentialError, error.retryable, error.attempts]).toEqual([status, true, false, 1]);
    }
  });

  it("does not follow redirects: a 3xx is a permanent error with a hint", async () => {
    const server = await peer(({ response }) => response.writeHead(301, { location: "https://elsewhere.invalid/api/v1/import" }).end());
    const t = transport({ clock: createFakeClock(), retry: { attempts: 3 } });
    const error = (await leaks.rejection(t.post(`${server.url}/api/v1/import`, "a"))) as TransportError;
    expect([error.outcome, error.retryable, error.attempts]).toEqual(["301", false, 1]);
    expect(error.hint).toMatch(/redirect/);
  });

  it("reads the whole body of a 2xx and returns its headers", async () => {
    const big = "y".repeat(300_000);
    const server = await peer(({ response }) => response.writeHead(200, { "x-test": "1" }).end(big));
    const res = await transport().get(`${server.url}/api/v1/export`);
    expect(res.body.length).toBe(300_000);
    expect(res.headers["x-test"]).toBe("1");
    expect(res.bytesSent).toBe(0);
  });
});

describe("network failures against real sockets", () => {
  it("times out a server that accepts and never answers, per attempt, and retries it", async () => {
    const server = await peer(() => {
      // never answer
    });
    const clock = createFakeClock();
    const t = transport({ clock, random: () => 0, timeoutMs: 200, retry: { attempts: 2 } });
    const error = (await leaks.rejection(t.post(`${server.url}/api/v1/import`, "a"))) as TransportError;
    expect(error.code).toBe("TRANSPORT_TIMEOUT");
    expect(error.outcome).toBe("timeout");
    expect(error.retryable).toBe(true);
    expect(error.attempts).toBe(2);
    expect(error.message).toContain("no complete answer within 200 ms");
    expect(infosFor(server.url).map((i) => [i.code, i.willRetry])).toEqual([["timeout", true], ["timeout", false]]);
    expect(clock.sleeps).toEqual([1000]);
  });

  it("times out a body that never ends (the deadline covers the response body too)", async () => {
    const server = await peer(({ response }) => {
      response.writeHead(200, { "content-length": "100" });
      response.write("partial");
    });
    const error = (await leaks.rejection(transport({ timeoutMs: 300, retry: { attempts: 1 } }).get(`${server.url}/slow`))) as TransportError;
    expect(error.outcome).toBe("timeout");
  });

  it("reports a closed port as connection_error and retries it", async () => {
    const port = await freePort();
    const clock = createFakeClock();
    const t = transport({ clock, random: () => 0, retry: { attempts: 3 } });
    const url = `http://127.0.0.1:${port}/api/v1/import`;
    const error = (await leaks.rejection(t.post(url, "a"))) as TransportError;
    expect(error.code).toBe("TRANSPORT_CONNECTION");
    expect(error.outcome).toBe("connection_error");
    expect(error.attempts).toBe(3);
    expect(error.message).toContain("ECONNREFUSED");
    expect((error.cause as { code?: string }).code).toBe("ECONNREFUSED");
    expect(infosFor(`http://127.0.0.1:${port}`).map((i) => [i.code, i.bytesSent])).toEqual([
      ["connection_error", 0],
      ["connection_error", 0],
      ["connection_error", 0],
    ]);
    expect(clock.sleeps).toEqual([1000, 2000]);
  });

  it("retries a stale keep-alive socket (closed by the server) once, immediately and uncounted", async () => {
    // The server closes a kept-alive connection when the next request arrives on it: the race of
    // an idle-timeout close with a new request, made deterministic.
    const server = await peer(({ request, response, socket }) => {
      if (request.requestOnSocket > 1) socket.destroy();
      else response.writeHead(200, { connection: "keep-alive" }).end("ok");
    });
    const clock = createFakeClock();
    const t = transport({ clock, retry: { attempts: 1 } });
    expect((await t.get(`${server.url}/a`)).attempts).toBe(1);
    await idle();
    const res = await t.post(`${server.url}/b`, "payload");
    expect(res.status).toBe(200);
    expect(res.attempts).toBe(2);
    expect(clock.sleeps).toEqual([]);
    const infos = infosFor(server.url).slice(-2);
    expect(infos.map((i) => [i.code, i.staleSocket, i.willRetry, i.delayMs])).toEqual([
      ["connection_error", true, true, 0],
      ["200", undefined, false, undefined],
    ]);
    expect(server.requests.map((r) => [r.connection, r.requestOnSocket])).toEqual([[1, 1], [1, 2], [2, 1]]);
  });

  it("retries a kept-alive socket the server resets (ECONNRESET) the same way", async () => {
    const sockets = new Set<Socket>();
    const net: NetServer = createNetServer((socket) => {
      sockets.add(socket);
      let requests = 0;
      socket.on("data", (data) => {
        if (!data.toString("latin1").includes("\r\n\r\n")) return;
        requests += 1;
        if (requests > 1) socket.resetAndDestroy();
        else socket.write("HTTP/1.1 204 No Content\r\nConnection: keep-alive\r\n\r\n");
      });
    });
    await new Promise<void>((resolve) => net.listen(0, "127.0.0.1", resolve));
    const port = (net.address() as { port: number }).port;
    try {
      const clock = createFakeClock();
      const t = transport({ clock, retry: { attempts: 1 } });
      await t.get(`http://127.0.0.1:${port}/first`);
      await idle();
      const res = await t.get(`http://127.0.0.1:${port}/second`);
      expect([res.status, res.attempts]).toEqual([204, 2]);
      expect(clock.sleeps).toEqual([]);
      expect(infosFor(`http://127.0.0.1:${port}`).map((i) => [i.code, i.staleSocket ?? false])).toEqual([
        ["204", false],
        ["connection_error", true],
        ["204", false],
      ]);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => net.close(() => resolve()));
    }
  });

  it("does not treat a fresh connection closed before any answer as stale", async () => {
    const server = await peer(({ socket }) => socket.destroy());
    const clock = createFakeClock();
    const t = transport({ clock, random: () => 0, retry: { attempts: 2 } });
    const error = (await leaks.rejection(t.get(`${server.url}/x`))) as TransportError;
    expect([error.outcome, error.attempts]).toEqual(["connection_error", 2]);
    expect(infosFor(server.url).map((i) => i.staleSocket ?? false)).toEqual([false, false]);
    expect(clock.sleeps).toEqual([1000]);
  });
});

describe("bodies", () => {
  it("streams a body from an async-iterable factory, replaying it on a retry", async () => {
    let calls = 0;
    const server = await peer(({ index, response }) => response.writeHead(index === 1 ? 500 : 204).end());
    const t = transport({ clock: createFakeClock(), retry: { attempts: 2 } });
    const res = await t.post(`${server.url}/api/v1/import`, async function* () {
      calls += 1;
      yield "a,";
      yield new TextEncoder().encode("b,");
      yield "c\n";
    });
    expect(res.attempts).toBe(2);
    expect(calls).toBe(2);
    expect(server.requests.map((r) => r.body.toString())).toEqual(["a,b,c\n", "a,b,c\n"]);
    expect(server.requests[1]?.headers["transfer-encoding"]).toBe("chunked");
    expect(res.bytesSent).toBe(6);
  });

  it("sends a streamed body as it is produced, never all of it at once", async () => {
    // The factory yields the next megabyte only once the server has received the previous one:
    // a transport that collected the body before sending would wait forever (and time out).
    const chunk = Buffer.alloc(1024 * 1024, "z");
    let receivedBytes = 0;
    let waiter: (() => void) | undefined;
    const counting = createHttpServer((req, res) => {
      req.on("data", (data: Buffer) => {
        receivedBytes += data.length;
        waiter?.();
      });
      req.on("end", () => res.writeHead(204).end());
    });
    await new Promise<void>((resolve) => counting.listen(0, "127.0.0.1", resolve));
    const port = (counting.address() as { port: number }).port;
    try {
      const untilReceived = (bytes: number) =>
        new Promise<void>((resolve) => {
          const check = () => {
            if (receivedBytes >= bytes) {
              waiter = undefined;
              resolve();
            }
          };
          waiter = check;
          check();
        });
      const t = transport({ timeoutMs: 10_000, retry: { attempts: 1 } });
      const res = await t.post(`http://127.0.0.1:${port}/api/v1/import`, async function* () {
        for (let i = 0; i < 4; i++) {
          if (i > 0) await untilReceived(i * chunk.length);
          yield chunk;
        }
      });
      expect(res.status).toBe(204);
      expect(res.bytesSent).toBe(4 * chunk.length);
      expect(receivedBytes).toBe(4 * chunk.length);
    } finally {
      await new Promise<void>((resolve) => counting.close(() => resolve()));
    }
  });

  it("gzips a string body (level 1 by default) and reports the compressed size", async () => {
    const server = await peer(({ response }) => response.writeHead(204).end());
    const line = `${JSON.stringify({ metric: { __name__: "m" }, values: [1], timestamps: [1] })}\n`.repeat(200);
    const res = await transport({ gzip: true }).post(`${server.url}/api/v1/import`, line);
    const got = server.requests[0];
    expect(got?.headers["content-encoding"]).toBe("gzip");
    expect(gunzipSync(got?.body ?? Buffer.alloc(0)).toString()).toBe(line);
    expect(res.bytesSent).toBe(got?.body.length);
    expect(res.bytesSent).toBeLessThan(line.length / 5);
  });

  it("gzips a streamed body through zlib, and a request can turn gzip off", async () => {
    const server = await peer(({ response }) => response.writeHead(204).end());
    const t = transport({ gzip: { level: 6 } });
    const res = await t.post(`${server.url}/s`, async function* () {
      for (let i = 0; i < 1000; i++) yield `line ${i}\n`;
    });
    const expected = Array.from({ length: 1000 }, (_, i) => `line ${i}\n`).join("");
    expect(gunzipSync(server.requests[0]?.body ?? Buffer.alloc(0)).toString()).toBe(expected);
    expect(res.bytesSent).toBe(server.requests[0]?.body.length);
    await t.post(`${server.url}/plain`, "plain", { gzip: false });
    expect(server.requests[1]?.headers["content-encoding"]).toBeUndefined();
    expect(server.requests[1]?.body.toString()).toBe("plain");
  });

  it("fails without retrying when the body source throws", async () => {
    const server = await peer(({ response }) => response.writeHead(204).end());
    const t = transport({ clock: createFakeClock(), retry: { attempts: 3 } });
    const error = (await leaks.rejection(
      t.post(`${server.url}/x`, async function* () {
        yield "a";
        throw new Error("disk gone");
      }),
    )) as TransportError;
    expect([error.code, error.outcome, error.retryable, error.attempts]).toEqual(["TRANSPORT_IO", "io_error", false, 1]);
  });

  it("sends Content-Type application/json by default, the caller's otherwise, and a user agent", async () => {
    const server = await peer(({ response }) => response.writeHead(204).end());
    const t = transport({ userAgent: "test-agent/1" });
    await t.post(`${server.url}/a`, "{}");
    await t.post(`${server.url}/b`, "a=1", { contentType: "application/x-www-form-urlencoded", headers: { "X-Extra": "1" } });
    expect(server.requests.map((r) => r.headers["content-type"])).toEqual(["application/json", "application/x-www-form-urlencoded"]);
    expect(server.requests[1]?.headers["x-extra"]).toBe("1");
    expect(server.requests[0]?.headers["user-agent"]).toBe("test-agent/1");
  });
});

describe("credentials", () => {
  it("moves URL userinfo into a basic Authorization header and never prints it", async () => {
    const server = await peer(({ response }) => response.writeHead(503).end("nope"));
    const clock = createFakeClock();
    const t = transport({ clock, retry: { attempts: 2 } });
    const url = server.url.replace("http://", `http://alice:${URL_PASSWORD}@`);
    const error = (await leaks.rejection(t.post(`${url}/api/v1/import?authKey=${URL_PASSWORD}`, "a"))) as TransportError;
    expect(server.requests[0]?.headers.authorization).toBe(`Basic ${Buffer.from(`alice:${URL_PASSWORD}`).toString("base64")}`);
    expect(server.requests[0]?.url).toBe(`/api/v1/import?authKey=${URL_PASSWORD}`);
    expect(error.url).toBe(`http://<redacted>@127.0.0.1:${server.port}/api/v1/import?authKey=<redacted>`);
    expect(error.message).not.toContain(URL_PASSWORD);
    expect(infosFor(`http://<redacted>@127.0.0.1:${server.port}`)).toHaveLength(2);
  });

  it("sends the transport's basic auth or bearer token; a request's own Authorization wins", async () => {
    const server = await peer(({ response }) => response.writeHead(204).end());
    await transport({ user: "writer", password: PASSWORD }).get(`${server.url}/a`);
    await transport({ bearerToken: TOKEN }).get(`${server.url}/b`);
    await transport({ bearerToken: TOKEN }).get(`${server.url}/c`, { headers: { Authorization: "Bearer other" } });
    expect(server.requests.map((r) => r.headers.authorization)).toEqual([
      `Basic ${Buffer.from(`writer:${PASSWORD}`).toString("base64")}`,
      `Bearer ${TOKEN}`,
      "Bearer other",
    ]);
  });

  it("scrubs every known secret a server echoes in an error body", async () => {
    const server = await peer(({ request, response }) => {
      response.writeHead(400).end(`you sent ${String(request.headers.authorization)} / ${PASSWORD} / ${encodeURIComponent(PASSWORD)}`);
    });
    const error = (await leaks.rejection(transport({ user: "writer", password: PASSWORD }).post(`${server.url}/x`, "a"))) as TransportError;
    expect(error.body).toBe("you sent Basic <redacted> / <redacted> / <redacted>");
    expect(error.message).toContain("you sent Basic <redacted>");
  });
});

describe("abort and close", () => {
  it("aborts a request in flight and its backoff wait with the caller's signal", async () => {
    const server = await peer(() => {
      // never answer
    });
    const t = transport({ timeoutMs: 10_000 });
    const controller = new AbortController();
    const pending = leaks.rejection(t.get(`${server.url}/hang`, { signal: controller.signal }));
    setTimeout(() => controller.abort(), 50);
    const error = (await pending) as TransportError;
    expect([error.code, error.outcome, error.retryable]).toEqual(["TRANSPORT_ABORTED", "aborted", false]);

    const failing = await peer(({ response }) => response.writeHead(503).end());
    const sleeping = new AbortController();
    const slowClock = {
      now: () => Date.now(),
      sleep: (ms: number, signal?: AbortSignal) =>
        new Promise<void>((resolve, reject) => {
          const timer = setTimeout(resolve, ms);
          signal?.addEventListener("abort", () => {
            clearTimeout(timer);
            reject(signal.reason);
          });
          sleeping.abort();
        }),
    };
    const controller2 = new AbortController();
    const t2 = transport({ clock: slowClock, retry: { attempts: 5 } });
    const pending2 = leaks.rejection(t2.get(`${failing.url}/x`, { signal: controller2.signal }));
    sleeping.signal.addEventListener("abort", () => controller2.abort());
    const error2 = (await pending2) as TransportError;
    expect([error2.code, error2.attempts]).toEqual(["TRANSPORT_ABORTED", 1]);
  });

  it("close() aborts requests in flight; later requests fail as aborted", async () => {
    const server = await peer(() => {
      // never answer
    });
    const t = createTransport({ timeoutMs: 10_000, hooks: { onAttempt: leaks.onAttempt } });
    const pending = leaks.rejection(t.get(`${server.url}/hang`));
    await new Promise((resolve) => setTimeout(resolve, 50));
    await t.close();
    const error = (await pending) as TransportError;
    expect(error.code).toBe("TRANSPORT_ABORTED");
    expect(error.message).toContain("the transport is closed");
    const later = (await leaks.rejection(t.get(`${server.url}/later`))) as TransportError;
    expect(later.code).toBe("TRANSPORT_ABORTED");
  });
});

describe("connections and hooks", () => {
  it("reuses one connection with keep-alive, opens one per request without", async () => {
    const server = await peer(({ response }) => response.writeHead(204).end());
    const kept = transport();
    for (const path of ["/1", "/2", "/3"]) {
      await kept.get(`${server.url}${path}`);
      await idle();
    }
    const fresh = transport({ keepAlive: false });
    for (const path of ["/4", "/5"]) await fresh.get(`${server.url}${path}`);
    expect(server.requests.map((r) => r.connection)).toEqual([1, 1, 1, 2, 3]);
  });

  it("limits connections per origin with maxConnections", async () => {
    const server = await peer(({ response }) => setTimeout(() => response.writeHead(204).end(), 30));
    const t = transport({ maxConnections: 1 });
    await Promise.all([1, 2, 3].map((i) => t.get(`${server.url}/${i}`)));
    expect(new Set(server.requests.map((r) => r.connection)).size).toBe(1);
  });

  it("keeps working when a hook throws", async () => {
    const server = await peer(({ response }) => response.writeHead(204).end());
    const t = transport({
      hooks: {
        onAttempt: () => {
          throw new Error("metrics broke");
        },
      },
    });
    expect((await t.get(`${server.url}/x`)).status).toBe(204);
  });

  it("takes a per-request timeout and retry policy", async () => {
    const server = await peer(({ index, response }) => {
      if (index > 1) response.writeHead(204).end();
    });
    const clock = createFakeClock();
    const t = transport({ clock, random: () => 0, timeoutMs: 10_000, retry: { attempts: 1 } });
    const res = await t.get(`${server.url}/x`, { timeoutMs: 150, retry: { attempts: 2, baseDelayMs: 10 } });
    expect(res.attempts).toBe(2);
    expect(clock.sleeps).toEqual([10]);
  });
});

describe("POST through undici request() on the Agent", () => {
  const sha = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");
  const MiB = 1024 * 1024;

  it.each([
    ["a Buffer subarray", (big: Buffer) => big.subarray(4099, 4099 + 2 * MiB + 3)],
    ["a plain Uint8Array view", (big: Buffer) => new Uint8Array(big.buffer, big.byteOffset + 17, 2 * MiB + 5)],
  ])("sends %s of a larger buffer byte-exact, and the same bytes again on a retry after 503", async (_name, viewOf) => {
    const big = randomBytes(3 * MiB);
    const bigSha = sha(big);
    const view = viewOf(big);
    const expected = sha(view);
    const server = await peer(({ index, response }) => response.writeHead(index === 1 ? 503 : 204).end(index === 1 ? "overloaded" : undefined));
    const t = transport({ clock: createFakeClock(), random: () => 0, retry: { attempts: 2 } });
    const res = await t.post(`${server.url}/api/v1/import`, view);
    expect([res.status, res.attempts, res.bytesSent]).toEqual([204, 2, view.byteLength]);
    expect(server.requests.map((r) => [r.body.length, sha(r.body), r.headers["content-length"]])).toEqual([
      [view.byteLength, expected, String(view.byteLength)],
      [view.byteLength, expected, String(view.byteLength)],
    ]);
    expect(infosFor(server.url).map((i) => [i.code, i.bytesSent])).toEqual([["503", view.byteLength], ["204", view.byteLength]]);
    expect(sha(big)).toBe(bigSha);
  });

  it("hands the caller's bytes to undici as they are (no copy) and does not go through fetch", async () => {
    const big = Buffer.alloc(64 * 1024, "b");
    const view = big.subarray(100, 30_100);
    const created: { path?: string; body?: unknown }[] = [];
    const onCreate = (message: unknown) => created.push((message as { request: { path?: string; body?: unknown } }).request);
    subscribe("undici:request:create", onCreate);
    try {
      const server = await peer(({ response }) => response.writeHead(204).end());
      const t = transport();
      await t.post(`${server.url}/post?x=1`, view);
      await t.get(`${server.url}/get`);
      const body = created.find((r) => r.path === "/post?x=1")?.body as Uint8Array | undefined;
      expect(body?.buffer).toBe(big.buffer);
      expect([body?.byteOffset, body?.byteLength]).toEqual([view.byteOffset, view.byteLength]);
      // undici's fetch adds these WHATWG headers; request() sends only ours.
      const [post, get] = server.requests;
      expect([post?.method, post?.url, post?.headers["sec-fetch-mode"], post?.headers["accept-language"]]).toEqual(["POST", "/post?x=1", undefined, undefined]);
      expect([get?.method, get?.headers["sec-fetch-mode"]]).toEqual(["GET", "cors"]);
      expect(post?.headers["user-agent"]).toBe(get?.headers["user-agent"]);
    } finally {
      unsubscribe("undici:request:create", onCreate);
    }
  });

  it("reads an endless error page only up to the limit, and the next request works", async () => {
    const chunk = Buffer.alloc(64 * 1024, "e");
    const server = await peer(({ request, response }) => {
      if (request.url !== "/endless") return response.writeHead(204).end();
      response.on("error", () => undefined);
      response.writeHead(400, { "content-type": "text/html" });
      const pump = () => {
        while (!response.destroyed && response.write(chunk));
      };
      response.on("drain", pump);
      pump();
    });
    // Reading the whole body would never end: the attempt would time out instead of answering 400.
    const t = transport({ timeoutMs: 10_000, retry: { attempts: 1 } });
    const error = (await leaks.rejection(t.post(`${server.url}/endless`, "a"))) as TransportError;
    expect([error.outcome, error.status, error.body?.length]).toEqual(["400", 400, 4096]);
    const res = await t.post(`${server.url}/next`, "b");
    expect([res.status, res.attempts]).toEqual([204, 1]);
    expect(infosFor(server.url).map((i) => [i.code, i.staleSocket ?? false])).toEqual([["400", false], ["204", false]]);
  });

  it("cuts a 10 MiB error page off at the limit; the next request gets a fresh connection at once", async () => {
    const page = Buffer.alloc(10 * MiB, "p");
    const server = await peer(({ index, response }) => {
      response.on("error", () => undefined);
      if (index === 1) response.writeHead(500, { "content-length": String(page.length) }).end(page);
      else response.writeHead(204).end();
    });
    const t = transport({ retry: { attempts: 1 } });
    const error = (await leaks.rejection(t.post(`${server.url}/big`, "a"))) as TransportError;
    expect([error.outcome, error.body]).toEqual(["500", "p".repeat(4096)]);
    await idle();
    const res = await t.post(`${server.url}/next`, "b");
    expect([res.status, res.attempts]).toEqual([204, 1]);
    // The cut-off connection is closed (undici may open and drop a spare one meanwhile).
    expect(server.requests[1]?.connection).toBeGreaterThan(1);
    expect(server.requests[1]?.requestOnSocket).toBe(1);
  });

  it("drains a moderately long error page so that its kept-alive connection carries the next request", async () => {
    // The rest of the page comes after the transport has read its limit: without draining it, the
    // connection would be closed under it.
    const server = await peer(({ index, response }) => {
      if (index > 1) return response.writeHead(204).end();
      response.writeHead(503, { "content-length": String(100 * 1024) });
      response.write("q".repeat(80 * 1024));
      setTimeout(() => response.end("q".repeat(20 * 1024)), 50);
    });
    const t = transport({ retry: { attempts: 1 } });
    const error = (await leaks.rejection(t.post(`${server.url}/a`, "a"))) as TransportError;
    expect([error.outcome, error.body?.length]).toEqual(["503", 4096]);
    await idle();
    expect((await t.post(`${server.url}/b`, "b")).status).toBe(204);
    expect(server.requests.map((r) => [r.connection, r.requestOnSocket])).toEqual([[1, 1], [1, 2]]);
  });

  it("reads a whole 2xx body and returns lowercase headers, repeated ones joined", async () => {
    const big = "y".repeat(300_000);
    const server = await peer(({ response }) => {
      response.setHeader("X-Multi", ["a", "b"]);
      response.writeHead(200, { "X-Test": "1", "Retry-After": "5" }).end(big);
    });
    const res = await transport().post(`${server.url}/api/v1/query`, "q");
    expect(res.body).toBe(big);
    expect([res.headers["x-test"], res.headers["x-multi"], res.headers["retry-after"]]).toEqual(["1", "a, b", "5"]);
  });

  it("times out a POST whose answer never ends", async () => {
    const server = await peer(({ response }) => {
      response.writeHead(200, { "content-length": "100" });
      response.write("partial");
    });
    const error = (await leaks.rejection(transport({ timeoutMs: 300, retry: { attempts: 1 } }).post(`${server.url}/slow`, "a"))) as TransportError;
    expect([error.code, error.outcome]).toEqual(["TRANSPORT_TIMEOUT", "timeout"]);
  });

  it("streams a factory through gzip, again from the start on a retry", async () => {
    let calls = 0;
    const server = await peer(({ index, response }) => response.writeHead(index === 1 ? 503 : 204).end());
    const t = transport({ clock: createFakeClock(), gzip: true, retry: { attempts: 2 } });
    const res = await t.post(`${server.url}/api/v1/import`, async function* () {
      calls += 1;
      for (let i = 0; i < 2000; i++) yield `line ${i}\n`;
    });
    const expected = Array.from({ length: 2000 }, (_, i) => `line ${i}\n`).join("");
    expect([res.status, res.attempts, calls]).toEqual([204, 2, 2]);
    expect(server.requests.map((r) => [r.headers["content-encoding"], r.headers["transfer-encoding"], gunzipSync(r.body).toString() === expected])).toEqual([
      ["gzip", "chunked", true],
      ["gzip", "chunked", true],
    ]);
    expect(res.bytesSent).toBe(server.requests[1]?.body.length);
  });

  it("retries a POST on a stale kept-alive socket after a POST once, uncounted", async () => {
    const server = await peer(({ request, response, socket }) => {
      if (request.requestOnSocket > 1) socket.destroy();
      else response.writeHead(204).end();
    });
    const t = transport({ clock: createFakeClock(), retry: { attempts: 1 } });
    await t.post(`${server.url}/stale-post-first`, "first");
    await idle();
    const res = await t.post(`${server.url}/stale-post-second`, "second");
    // Both on the first connection, the retry on a second one (the same shape as the GET case).
    expect(server.requests.map((r) => [r.connection, r.requestOnSocket])).toEqual([[1, 1], [1, 2], [2, 1]]);
    expect([res.status, res.attempts]).toEqual([204, 2]);
    expect(infosFor(`${server.url}/stale-post-`).map((i) => [i.code, i.staleSocket ?? false])).toEqual([["204", false], ["connection_error", true], ["204", false]]);
  });

  it("aborts a POST in flight with the caller's signal, and with close()", async () => {
    const server = await peer(() => {
      // never answer
    });
    const t = createTransport({ timeoutMs: 10_000, hooks: { onAttempt: leaks.onAttempt } });
    const controller = new AbortController();
    const pending = leaks.rejection(t.post(`${server.url}/hang`, "a", { signal: controller.signal }));
    setTimeout(() => controller.abort(), 50);
    expect(((await pending) as TransportError).code).toBe("TRANSPORT_ABORTED");
    const pending2 = leaks.rejection(t.post(`${server.url}/hang2`, async function* () {
      yield "b";
    }));
    await new Promise((resolve) => setTimeout(resolve, 50));
    await t.close();
    const error = (await pending2) as TransportError;
    expect([error.code, error.message.includes("the transport is closed")]).toEqual(["TRANSPORT_ABORTED", true]);
  });

  it("keeps Authorization out of every error of the request path, whatever it carries", async () => {
    const closing = await peer(({ socket }) => socket.destroy());
    const silent = await peer(() => {
      // never answer
    });
    const refused = `http://127.0.0.1:${await freePort()}`;
    const errors: unknown[] = [];
    for (const options of [{ user: "writer", password: PASSWORD }, { bearerToken: TOKEN }] satisfies TransportOptions[]) {
      const t = transport({ ...options, clock: createFakeClock(), timeoutMs: 200, retry: { attempts: 1 } });
      errors.push(await leaks.rejection(t.post(`${closing.url}/x`, "a")));
      errors.push(await leaks.rejection(t.post(`${silent.url}/x`, "a")));
      errors.push(await leaks.rejection(t.post(`${refused}/x`, "a")));
      errors.push(await leaks.rejection(t.post(`${closing.url}/x`, "a", { headers: { Authorization: `Bearer ${TOKEN}` } })));
      // A body source whose error carries the headers: the cause is replaced by a clean copy.
      errors.push(
        await leaks.rejection(
          t.post(`${silent.url}/x`, async function* () {
            yield "a";
            throw Object.assign(new Error("source broke"), { headers: { authorization: `Bearer ${TOKEN}`, password: PASSWORD } });
          }),
        ),
      );
    }
    expect(errors.map((e) => (e as TransportError).outcome)).toEqual([
      "connection_error", "timeout", "connection_error", "connection_error", "io_error",
      "connection_error", "timeout", "connection_error", "connection_error", "io_error",
    ]);
    for (const error of errors) {
      const printed = `${inspect(error, { depth: 20, showHidden: true })}\n${JSON.stringify(error)}`;
      expect(printed).not.toMatch(/authorization/i);
      for (const secret of SECRETS) expect(printed).not.toContain(secret);
    }
    expect((errors[0] as TransportError).message).toMatch(/other side closed|ECONNRESET|socket hang up/);
  });
});

describe("options", () => {
  it("rejects contradictory or unusable options, listing every problem", () => {
    let error: unknown;
    try {
      createTransport({
        bearerToken: TOKEN,
        bearerTokenFile: "/nonexistent/token",
        user: "u",
        tlsCertFile: "/nonexistent/cert.pem",
        verifyTls: "/nonexistent/ca.pem",
        timeoutMs: 0,
        retry: { attempts: 0 },
      });
    } catch (caught) {
      error = caught;
      leaks.record(caught);
    }
    expect(error).toBeInstanceOf(TransportConfigError);
    const problems = (error as TransportConfigError).problems.join("\n");
    expect(problems).toMatch(/bearerToken and bearerTokenFile are exclusive/);
    expect(problems).toMatch(/basic auth .* and a bearer token are exclusive/);
    expect(problems).toMatch(/tlsCertFile and tlsKeyFile .* go together/);
    expect(problems).toMatch(/verify_tls.*cannot read \/nonexistent\/ca\.pem \(ENOENT\)/);
    expect(problems).toMatch(/timeoutMs must be a positive/);
    expect(problems).toMatch(/retry\.attempts must be an integer >= 1/);
    expect(problems).not.toContain(TOKEN);
  });

  it("rejects a URL that is not http(s), without printing its credentials", async () => {
    const t = transport();
    const error = await leaks.rejection(t.get(`ftp://bob:${URL_PASSWORD}@example.com/x`));
    expect(error).toBeInstanceOf(TransportConfigError);
    expect(String(error)).toContain("ftp://<redacted>@example.com/x");
  });
});

describe("secrets", () => {
  it("never shows a password, token or basic credential in any error, message or hook info of this file", () => {
    expect(leaks.texts().length).toBeGreaterThan(50);
    expect(leaks.leaks(SECRETS)).toEqual([]);
  });
});
