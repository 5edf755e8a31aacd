import { Agent } from "undici";
import type { ResolvedTransportOptions } from "./resolve-transport-options.ts";
import { createTrackingConnector } from "./track-socket-reuse.ts";

/**
 * The undici `Agent` every request goes through: TLS verification and client certificate, a
 * connect timeout, keep-alive, connections per origin. Header/body timeouts are off: the
 * transport enforces one deadline per attempt itself.
 */
export function createDispatcher(options: ResolvedTransportOptions): Agent {
  const { tls } = options;
  return new Agent({
    connect: createTrackingConnector({
      rejectUnauthorized: tls.rejectUnauthorized,
      ...(tls.ca ? { ca: tls.ca } : {}),
      ...(tls.cert && tls.key ? { cert: tls.cert, key: tls.key } : {}),
      // A connect that never completes would otherwise hold the pool until the OS gives up.
      timeout: options.timeoutMs,
    }),
    ...(options.maxConnections !== undefined ? { connections: options.maxConnections } : {}),
    // undici: pipelining 0 disables keep-alive.
    pipelining: options.keepAlive ? 1 : 0,
    headersTimeout: 0,
    bodyTimeout: 0,
  });
}
