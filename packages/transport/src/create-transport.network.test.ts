import { createServer as createNetServer, type Server as NetServer, type Socket } from "node:net";
import { freePort } from "@anomaly-writer/test-stack";
import { describe, expect, it } from "vitest";
import type { TransportError } from "./errors.ts";
import { createFakeClock } from "./testing/create-fake-clock.ts";
import { useTransportKit } from "./testing/use-transport-kit.ts";

// Network failures against real sockets (timeouts, refused ports, stale kept-alive connections) and connection reuse.
const { leaks, peer, transport, infosFor, connectionReleased } = useTransportKit();

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
    expect(infosFor(server.url).map((i) => [i.code, i.willRetry])).toEqual([
      ["timeout", true],
      ["timeout", false],
    ]);
    expect(clock.sleeps).toEqual([1000]);
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
    await connectionReleased();
    const res = await t.post(`${server.url}/b`, "payload");
    expect(res.status).toBe(200);
    expect(res.attempts).toBe(2);
    expect(clock.sleeps).toEqual([]);
    const infos = infosFor(server.url).slice(-2);
    expect(infos.map((i) => [i.code, i.staleSocket, i.willRetry, i.delayMs])).toEqual([
      ["connection_error", true, true, 0],
      ["200", undefined, false, undefined],
    ]);
    expect(server.requests.map((r) => [r.connection, r.requestOnSocket])).toEqual([
      [1, 1],
      [1, 2],
      [2, 1],
    ]);
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
      await connectionReleased();
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

  it("retries a POST on a stale kept-alive socket after a POST once, uncounted", async () => {
    const server = await peer(({ request, response, socket }) => {
      if (request.requestOnSocket > 1) socket.destroy();
      else response.writeHead(204).end();
    });
    const t = transport({ clock: createFakeClock(), retry: { attempts: 1 } });
    await t.post(`${server.url}/stale-post-first`, "first");
    await connectionReleased();
    const res = await t.post(`${server.url}/stale-post-second`, "second");
    // Both on the first connection, the retry on a second one (the same shape as the GET case).
    expect(server.requests.map((r) => [r.connection, r.requestOnSocket])).toEqual([
      [1, 1],
      [1, 2],
      [2, 1],
    ]);
    expect([res.status, res.attempts]).toEqual([204, 2]);
    expect(infosFor(`${server.url}/stale-post-`).map((i) => [i.code, i.staleSocket ?? false])).toEqual([
      ["204", false],
      ["connection_error", true],
      ["204", false],
    ]);
  });
});

describe("connections and hooks", () => {
  it("reuses one connection with keep-alive, opens one per request without", async () => {
    const server = await peer(({ response }) => response.writeHead(204).end());
    const kept = transport();
    for (const path of ["/1", "/2", "/3"]) {
      await kept.get(`${server.url}${path}`);
      await connectionReleased();
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
});
