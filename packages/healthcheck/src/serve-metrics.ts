import type { IncomingMessage, ServerResponse } from "node:http";
import type { Registry } from "prom-client";

/** Where every server of ours serves the self-metrics. */
export const METRICS_PATH = "/metrics";

/**
 * Answer a request for the self-metrics: `GET` and `HEAD` get the registry in the Prometheus text
 * format, other methods 405. The one `/metrics` route of `monitoring.pull` and of the ingest server.
 */
export async function serveMetrics(
  registry: Registry,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  if (request.method !== "GET" && request.method !== "HEAD") {
    response
      .writeHead(405, { allow: "GET, HEAD", "content-type": "text/plain; charset=utf-8" })
      .end("method not allowed: use GET\n");
    return;
  }
  let text: string;
  try {
    text = await registry.metrics();
  } catch (error) {
    response
      .writeHead(500, { "content-type": "text/plain; charset=utf-8" })
      .end(`cannot collect metrics: ${String(error)}\n`);
    return;
  }
  response.writeHead(200, { "content-type": registry.contentType, "content-length": Buffer.byteLength(text) });
  response.end(request.method === "HEAD" ? undefined : text);
}
