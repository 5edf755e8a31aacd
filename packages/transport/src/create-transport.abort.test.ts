import { describe, expect, it } from "vitest";
import { createTransport } from "./create-transport.ts";
import type { TransportError } from "./errors.ts";
import type { HttpPeer } from "./testing/start-http-peer.ts";
import { useTransportKit } from "./testing/use-transport-kit.ts";
import type { TransportClock } from "./transport-options.ts";

// Aborting requests: the caller's signal (in flight and during a backoff wait) and close().
const { leaks, peer, transport } = useTransportKit();

/** A peer that never answers. */
const silentPeer = () =>
  peer(() => {
    // never answer
  });

/** Resolves once the peer has received `count` requests (so they are in flight). */
const received = (server: HttpPeer, count: number) =>
  expect.poll(() => server.requests.length, { timeout: 5000, interval: 10 }).toBe(count);

describe("abort and close", () => {
  it("aborts a request in flight and its backoff wait with the caller's signal", async () => {
    const server = await silentPeer();
    const t = transport({ timeoutMs: 10_000 });
    const controller = new AbortController();
    const pending = leaks.rejection(t.get(`${server.url}/hang`, { signal: controller.signal }));
    await received(server, 1);
    controller.abort();
    const error = (await pending) as TransportError;
    expect([error.code, error.outcome, error.retryable]).toEqual(["TRANSPORT_ABORTED", "aborted", false]);

    const failing = await peer(({ response }) => response.writeHead(503).end());
    const caller = new AbortController();
    // A backoff wait that ends only when aborted; the caller aborts as soon as it starts.
    const waitingClock: TransportClock = {
      now: () => Date.now(),
      sleep: (_ms, signal) =>
        new Promise<void>((_resolve, reject) => {
          signal?.addEventListener("abort", () => reject(signal.reason), { once: true });
          caller.abort();
        }),
    };
    const t2 = transport({ clock: waitingClock, retry: { attempts: 5 } });
    const error2 = (await leaks.rejection(t2.get(`${failing.url}/x`, { signal: caller.signal }))) as TransportError;
    expect([error2.code, error2.attempts]).toEqual(["TRANSPORT_ABORTED", 1]);
  });

  it("close() aborts requests in flight; later requests fail as aborted", async () => {
    const server = await silentPeer();
    const t = createTransport({ timeoutMs: 10_000, hooks: { onAttempt: leaks.onAttempt } });
    const pending = leaks.rejection(t.get(`${server.url}/hang`));
    await received(server, 1);
    await t.close();
    const error = (await pending) as TransportError;
    expect(error.code).toBe("TRANSPORT_ABORTED");
    expect(error.message).toContain("the transport is closed");
    const later = (await leaks.rejection(t.get(`${server.url}/later`))) as TransportError;
    expect(later.code).toBe("TRANSPORT_ABORTED");
  });

  it("aborts a POST in flight with the caller's signal, and with close()", async () => {
    const server = await silentPeer();
    const t = createTransport({ timeoutMs: 10_000, hooks: { onAttempt: leaks.onAttempt } });
    const controller = new AbortController();
    const pending = leaks.rejection(t.post(`${server.url}/hang`, "a", { signal: controller.signal }));
    await received(server, 1);
    controller.abort();
    expect(((await pending) as TransportError).code).toBe("TRANSPORT_ABORTED");
    const pending2 = leaks.rejection(
      t.post(`${server.url}/hang2`, async function* () {
        yield "b";
      }),
    );
    await received(server, 2);
    await t.close();
    const error = (await pending2) as TransportError;
    expect([error.code, error.message.includes("the transport is closed")]).toEqual(["TRANSPORT_ABORTED", true]);
  });
});
