import { afterAll } from "vitest";
import { createTransport } from "../create-transport.ts";
import type { AttemptInfo, Transport, TransportOptions } from "../transport-options.ts";
import { createLeakCollector, type LeakCollector } from "./create-leak-collector.ts";
import { type HttpPeer, startHttpPeer } from "./start-http-peer.ts";

/** What the unit tests of `createTransport` share: local peers and transports closed after the file, and a leak collector. */
export interface TransportKit {
  /** Sees every error the tests record and every hook info of the kit's transports. */
  readonly leaks: LeakCollector;
  /** A node:http peer, closed after the file. */
  peer(handler: Parameters<typeof startHttpPeer>[0], options?: Parameters<typeof startHttpPeer>[1]): Promise<HttpPeer>;
  /** A transport whose hook feeds `leaks`, closed after the file. */
  transport(options?: TransportOptions): Transport;
  /** Hook infos of the requests to one URL prefix. */
  infosFor(prefix: string): AttemptInfo[];
  /**
   * Resolves once undici has put the connection of a finished request back into its pool: it
   * does so one event-loop turn after the response ended (in a `setImmediate`), so a request
   * sent before that would open a new connection instead of reusing the kept-alive one.
   */
  connectionReleased(): Promise<void>;
}

/** A {@link TransportKit} for one test file (registers its own `afterAll`). */
export function useTransportKit(): TransportKit {
  const leaks = createLeakCollector();
  const peers: HttpPeer[] = [];
  const transports: Transport[] = [];
  afterAll(async () => {
    await Promise.all(transports.map((t) => t.close()));
    await Promise.all(peers.map((p) => p.close()));
  });
  return {
    leaks,
    async peer(handler, options) {
      const started = await startHttpPeer(handler, options);
      peers.push(started);
      return started;
    },
    transport(options = {}) {
      const created = createTransport({ hooks: { onAttempt: leaks.onAttempt }, ...options });
      transports.push(created);
      return created;
    },
    infosFor: (prefix) => leaks.attempts.filter((info) => info.url.startsWith(prefix)),
    connectionReleased: () => new Promise<void>((resolve) => setImmediate(resolve)),
  };
}
