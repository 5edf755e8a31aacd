import { createHash, randomBytes } from "node:crypto";
import { subscribe, unsubscribe } from "node:diagnostics_channel";
import { createServer as createHttpServer } from "node:http";
import { gunzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import type { TransportError } from "./errors.ts";
import { createFakeClock } from "./testing/create-fake-clock.ts";
import { useTransportKit } from "./testing/use-transport-kit.ts";

// Request bodies: bytes sent as they are, streamed factories replayed on a retry, gzip, headers.
const { leaks, peer, transport, infosFor } = useTransportKit();

describe("request bodies", () => {
  const sha = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");
  const MiB = 1024 * 1024;

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
    expect([error.code, error.outcome, error.retryable, error.attempts]).toEqual([
      "TRANSPORT_IO",
      "io_error",
      false,
      1,
    ]);
  });

  it("sends Content-Type application/json by default, the caller's otherwise, and a user agent", async () => {
    const server = await peer(({ response }) => response.writeHead(204).end());
    const t = transport({ userAgent: "test-agent/1" });
    await t.post(`${server.url}/a`, "{}");
    await t.post(`${server.url}/b`, "a=1", {
      contentType: "application/x-www-form-urlencoded",
      headers: { "X-Extra": "1" },
    });
    expect(server.requests.map((r) => r.headers["content-type"])).toEqual([
      "application/json",
      "application/x-www-form-urlencoded",
    ]);
    expect(server.requests[1]?.headers["x-extra"]).toBe("1");
    expect(server.requests[0]?.headers["user-agent"]).toBe("test-agent/1");
  });

  it.each([
    ["a Buffer subarray", (big: Buffer) => big.subarray(4099, 4099 + 2 * MiB + 3)],
    ["a plain Uint8Array view", (big: Buffer) => new Uint8Array(big.buffer, big.byteOffset + 17, 2 * MiB + 5)],
  ])("sends %s of a larger buffer byte-exact, and the same bytes again on a retry after 503", async (_name, viewOf) => {
    const big = randomBytes(3 * MiB);
    const bigSha = sha(big);
    const view = viewOf(big);
    const expected = sha(view);
    const server = await peer(({ index, response }) =>
      response.writeHead(index === 1 ? 503 : 204).end(index === 1 ? "overloaded" : undefined),
    );
    const t = transport({ clock: createFakeClock(), random: () => 0, retry: { attempts: 2 } });
    const res = await t.post(`${server.url}/api/v1/import`, view);
    expect([res.status, res.attempts, res.bytesSent]).toEqual([204, 2, view.byteLength]);
    expect(server.requests.map((r) => [r.body.length, sha(r.body), r.headers["content-length"]])).toEqual([
      [view.byteLength, expected, String(view.byteLength)],
      [view.byteLength, expected, String(view.byteLength)],
    ]);
    expect(infosFor(server.url).map((i) => [i.code, i.bytesSent])).toEqual([
      ["503", view.byteLength],
      ["204", view.byteLength],
    ]);
    expect(sha(big)).toBe(bigSha);
  });

  it("hands the caller's bytes to undici as they are (no copy) and does not go through fetch", async () => {
    const big = Buffer.alloc(64 * 1024, "b");
    const view = big.subarray(100, 30_100);
    const created: { path?: string; body?: unknown }[] = [];
    const onCreate = (message: unknown) =>
      created.push((message as { request: { path?: string; body?: unknown } }).request);
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
      expect([post?.method, post?.url, post?.headers["sec-fetch-mode"], post?.headers["accept-language"]]).toEqual([
        "POST",
        "/post?x=1",
        undefined,
        undefined,
      ]);
      expect([get?.method, get?.headers["sec-fetch-mode"]]).toEqual(["GET", "cors"]);
      expect(post?.headers["user-agent"]).toBe(get?.headers["user-agent"]);
    } finally {
      unsubscribe("undici:request:create", onCreate);
    }
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
    expect(
      server.requests.map((r) => [
        r.headers["content-encoding"],
        r.headers["transfer-encoding"],
        gunzipSync(r.body).toString() === expected,
      ]),
    ).toEqual([
      ["gzip", "chunked", true],
      ["gzip", "chunked", true],
    ]);
    expect(res.bytesSent).toBe(server.requests[1]?.body.length);
  });
});
