import { describe, expect, it } from "vitest";
import type { TransportError } from "./errors.ts";
import { useTransportKit } from "./testing/use-transport-kit.ts";

// Reading answers: whole 2xx bodies and headers, error pages read up to a limit, deadlines that cover the body.
const { leaks, peer, transport, infosFor, connectionReleased } = useTransportKit();

describe("reading answers", () => {
  const MiB = 1024 * 1024;

  it("reads the whole body of a 2xx and returns its headers", async () => {
    const big = "y".repeat(300_000);
    const server = await peer(({ response }) => response.writeHead(200, { "x-test": "1" }).end(big));
    const res = await transport().get(`${server.url}/api/v1/export`);
    expect(res.body.length).toBe(300_000);
    expect(res.headers["x-test"]).toBe("1");
    expect(res.bytesSent).toBe(0);
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

  it("times out a body that never ends (the deadline covers the response body too)", async () => {
    const server = await peer(({ response }) => {
      response.writeHead(200, { "content-length": "100" });
      response.write("partial");
    });
    const error = (await leaks.rejection(
      transport({ timeoutMs: 300, retry: { attempts: 1 } }).get(`${server.url}/slow`),
    )) as TransportError;
    expect(error.outcome).toBe("timeout");
  });

  it("times out a POST whose answer never ends", async () => {
    const server = await peer(({ response }) => {
      response.writeHead(200, { "content-length": "100" });
      response.write("partial");
    });
    const error = (await leaks.rejection(
      transport({ timeoutMs: 300, retry: { attempts: 1 } }).post(`${server.url}/slow`, "a"),
    )) as TransportError;
    expect([error.code, error.outcome]).toEqual(["TRANSPORT_TIMEOUT", "timeout"]);
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
    expect(infosFor(server.url).map((i) => [i.code, i.staleSocket ?? false])).toEqual([
      ["400", false],
      ["204", false],
    ]);
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
    await connectionReleased();
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
    await connectionReleased();
    expect((await t.post(`${server.url}/b`, "b")).status).toBe(204);
    expect(server.requests.map((r) => [r.connection, r.requestOnSocket])).toEqual([
      [1, 1],
      [1, 2],
    ]);
  });
});
