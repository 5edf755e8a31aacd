import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { Socket } from "node:net";

/** One request as the peer received it. */
export interface ReceivedRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingMessage["headers"];
  readonly body: Buffer;
  /** 1-based number of this request on its connection. */
  readonly requestOnSocket: number;
  /** 1-based number of the connection. */
  readonly connection: number;
}

/** What the handler sees: the request (body read) and the raw socket, to misbehave with. */
export interface PeerExchange {
  readonly request: ReceivedRequest;
  readonly index: number;
  readonly response: ServerResponse;
  readonly socket: Socket;
}

/** A real node:http server on a loopback port. */
export interface HttpPeer {
  readonly url: string;
  readonly port: number;
  readonly requests: ReceivedRequest[];
  close(): Promise<void>;
}

/**
 * Start a node:http server on 127.0.0.1 with a free port. The handler gets each request after
 * its body was read; returning without ending the response leaves the request unanswered.
 */
export async function startHttpPeer(
  handler: (exchange: PeerExchange) => unknown,
  options: { readBody?: boolean } = {},
): Promise<HttpPeer> {
  const requests: ReceivedRequest[] = [];
  const sockets = new Set<Socket>();
  const perSocket = new WeakMap<Socket, { connection: number; requests: number }>();
  let connections = 0;
  const server = createServer({ keepAliveTimeout: 60_000 }, (req: IncomingMessage, res: ServerResponse) => {
    const socket = req.socket;
    const state = perSocket.get(socket) ?? { connection: 0, requests: 0 };
    state.requests += 1;
    const chunks: Buffer[] = [];
    const finish = () => {
      const request: ReceivedRequest = {
        method: req.method ?? "",
        url: req.url ?? "",
        headers: req.headers,
        body: Buffer.concat(chunks),
        requestOnSocket: state.requests,
        connection: state.connection,
      };
      requests.push(request);
      Promise.resolve(handler({ request, index: requests.length, response: res, socket })).catch((error: unknown) => {
        res.statusCode = 599;
        res.end(String(error));
      });
    };
    if (options.readBody === false) finish();
    else {
      req.on("data", (chunk: Buffer) => chunks.push(chunk));
      req.on("end", finish);
    }
  });
  server.on("connection", (socket: Socket) => {
    connections += 1;
    perSocket.set(socket, { connection: connections, requests: 0 });
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
