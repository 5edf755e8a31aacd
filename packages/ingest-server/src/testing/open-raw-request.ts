import { connect, type Socket } from "node:net";
import { type ConnectionOptions, connect as connectTls } from "node:tls";

/** A raw connection to a server: write bytes by hand (slow clients, partial requests). */
export interface RawRequest {
  readonly socket: Socket;
  /** Everything the server sent so far. */
  received(): string;
  /** Resolves when the server closed the connection, with what it sent. */
  readonly closed: Promise<string>;
}

/** Open a TCP (or TLS, with `tls` options) connection to `url`'s host and port and send `head` right away. */
export async function openRawRequest(url: string, head = "", tls?: ConnectionOptions): Promise<RawRequest> {
  const target = new URL(url);
  const port = Number(target.port);
  const host = target.hostname.replace(/^\[|\]$/g, "");
  const socket: Socket = tls ? connectTls({ host, port, ...tls }) : connect({ host, port });
  await new Promise<void>((resolve, reject) => {
    socket.once(tls ? "secureConnect" : "connect", () => resolve());
    socket.once("error", reject);
  });
  let text = "";
  socket.on("data", (chunk: Buffer) => (text += chunk.toString("latin1")));
  socket.on("error", () => undefined);
  const closed = new Promise<string>((resolve) => socket.once("close", () => resolve(text)));
  if (head !== "") socket.write(head);
  return { socket, received: () => text, closed };
}
