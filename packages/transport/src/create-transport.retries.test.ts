import { describe, expect, it } from "vitest";
import { TransportError } from "./errors.ts";
import { createFakeClock } from "./testing/create-fake-clock.ts";
import { PASSWORD, SECRETS } from "./testing/test-secrets.ts";
import { useTransportKit } from "./testing/use-transport-kit.ts";

// The retry policy of spec §4 against node:http peers: which statuses are retried, backoff, Retry-After, the hook of each attempt.
const { leaks, peer, transport, infosFor } = useTransportKit();

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
    expect(error.message).toMatch(
      /^\[transport\] POST http:\/\/127\.0\.0\.1:\d+\/x: HTTP 502 \(3 attempts\): bad gateway$/,
    );
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
    expect(infosFor(server.url).map((i) => [i.code, i.delayMs])).toEqual([
      ["429", 1000],
      ["204", undefined],
    ]);
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
    const server = await peer(({ response }) =>
      response.writeHead(301, { location: "https://elsewhere.invalid/api/v1/import" }).end(),
    );
    const t = transport({ clock: createFakeClock(), retry: { attempts: 3 } });
    const error = (await leaks.rejection(t.post(`${server.url}/api/v1/import`, "a"))) as TransportError;
    expect([error.outcome, error.retryable, error.attempts]).toEqual(["301", false, 1]);
    expect(error.hint).toMatch(/redirect/);
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

describe("secrets", () => {
  it("never shows a password, token or basic credential in any error, message or hook info of this file", () => {
    expect(leaks.texts().length).toBeGreaterThan(5);
    expect(leaks.leaks(SECRETS)).toEqual([]);
  });
});
