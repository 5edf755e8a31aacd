import { setTimeout as sleep } from "node:timers/promises";
import { httpSend } from "@anomaly-writer/test-stack";
import type { IngestServer } from "../ingest-server-options.ts";
import { openRawRequest } from "./open-raw-request.ts";

export const metricValue = (text: string, series: string) => {
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
};
/** A POST whose headers and first half of the body are sent now, the rest by `finish()`; the server closes after answering. */
export async function holdRequest(server: IngestServer, text: string) {
  const head = `POST /api/v1/outputs HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(text)}\r\nConnection: close\r\n\r\n`;
  const half = Math.floor(text.length / 2);
  const raw = await openRawRequest(server.url, head + text.slice(0, half));
  // write, not end: a client that half-closes its side aborts its request (node:http default).
  return { raw, finish: () => raw.socket.write(text.slice(half)) };
}
/** Wait until the server reports `count` requests in flight. */
export async function waitForInFlight(server: IngestServer, count: number) {
  for (let i = 0; i < 200; i++) {
    const metrics = await httpSend(`${server.url}/metrics`);
    if (metricValue(metrics.body, "anomaly_writer_ingest_requests_in_flight") === count) return;
    await sleep(20);
  }
  throw new Error(`the server never had ${count} requests in flight`);
}
/** Fails the test instead of hanging when `promise` does not settle within `ms`. */
export const within = <T>(promise: Promise<T>, ms: number, what: string) =>
  Promise.race([promise, sleep(ms).then(() => Promise.reject(new Error(`${what} did not happen within ${ms} ms`)))]);
