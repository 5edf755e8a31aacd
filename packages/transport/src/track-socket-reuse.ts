import { subscribe } from "node:diagnostics_channel";
import { buildConnector } from "undici";
import { errorChain } from "./error-chain.ts";

/** On sockets opened by our connectors: how many requests were sent on it. */
const USES = Symbol("anomaly-writer.transport.socketUses");
/** undici requests sent on a socket that had carried a request before. */
const reusedRequests = new WeakSet<object>();
/** Errors of such requests. */
const reusedErrors = new WeakSet<object>();
let subscribed = false;

interface TrackedSocket {
  [USES]?: number;
}

/**
 * undici's diagnostics channels tell which socket a request is written to and how it failed;
 * only sockets made by {@link createTrackingConnector} are counted, other undici users are ignored.
 */
function ensureSubscribed(): void {
  if (subscribed) return;
  subscribed = true;
  subscribe("undici:client:sendHeaders", (message) => {
    const { request, socket } = message as { request?: object; socket?: TrackedSocket };
    if (!request || !socket || socket[USES] === undefined) return;
    socket[USES] += 1;
    if (socket[USES] > 1) reusedRequests.add(request);
  });
  subscribe("undici:request:error", (message) => {
    const { request, error } = message as { request?: object; error?: unknown };
    if (request && reusedRequests.has(request) && typeof error === "object" && error !== null) reusedErrors.add(error);
  });
}

/** An undici connector that marks its sockets so that a failure on a reused (kept-alive) one can be recognised. */
export function createTrackingConnector(options: buildConnector.BuildOptions): buildConnector.connector {
  ensureSubscribed();
  const connect = buildConnector(options);
  return (connectOptions, callback) => {
    connect(connectOptions, (...args) => {
      const socket = args[1];
      if (socket) (socket as TrackedSocket)[USES] = 0;
      callback(...args);
    });
  };
}

/** Whether the request failed on a connection that had already carried a request (a kept-alive socket). */
export function failedOnReusedSocket(error: unknown): boolean {
  return errorChain(error).some(
    (link) => typeof link.error === "object" && link.error !== null && reusedErrors.has(link.error),
  );
}
