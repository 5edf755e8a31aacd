/**
 * PROTOTYPE (bench only): POST a body with `undici.request` on a keep-alive Agent, the way the
 * transport could for in-memory bodies: no WHATWG Request/ReadableStream, and no copy of the body
 * (undici's fetch copies every BufferSource body before sending it). No retries, no auth: the
 * measurement only. undici comes from packages/transport (the bench does not depend on it).
 */
import { Agent, request } from "undici";

export function createRawPost(connections = 8): { post: (url: string, body: Uint8Array) => Promise<{ bytesSent: number }>; close: () => Promise<void> } {
  const dispatcher = new Agent({ connections, pipelining: 1, headersTimeout: 0, bodyTimeout: 0 });
  return {
    async post(url, body) {
      const response = await request(url, { method: "POST", body, headers: { "content-type": "application/json" }, dispatcher });
      const text = await response.body.text();
      if (response.statusCode < 200 || response.statusCode > 299) throw new Error(`HTTP ${response.statusCode}: ${text.slice(0, 200)}`);
      return { bytesSent: body.byteLength };
    },
    close: () => dispatcher.close(),
  };
}
