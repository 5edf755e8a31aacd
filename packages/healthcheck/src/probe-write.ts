import type { Transport } from "@anomaly-writer/transport";
import type { ProbeOptions, ProbeResult } from "./probe-result.ts";
import { runProbe } from "./run-probe.ts";

/** Options of probeWrite: the empty body of another wire format than JSON lines. */
export interface ProbeWriteOptions extends ProbeOptions {
  /** What an empty write is in the format (remote write: an empty snappy block). Default "". */
  readonly body?: Uint8Array | string;
  /** Default application/json. */
  readonly contentType?: string;
  readonly headers?: Readonly<Record<string, string>>;
}

/**
 * POST an empty body to the real import URL once, without retries: VictoriaMetrics answers 204
 * and stores nothing, while wrong credentials (401), a wrong tenant path (400 "unsupported path"),
 * a wrong path prefix (404) and TLS/mTLS problems show up before the first real write.
 */
export function probeWrite(
  transport: Transport,
  importUrl: string,
  options: ProbeWriteOptions = {},
): Promise<ProbeResult> {
  const post = () =>
    transport.post(importUrl, options.body ?? "", {
      contentType: options.contentType ?? "application/json",
      ...(options.headers !== undefined ? { headers: options.headers } : {}),
      gzip: false,
      retry: { attempts: 1 },
      ...(options.signal ? { signal: options.signal } : {}),
    });
  return runProbe(importUrl, "write", options, post, (head, ms, status) =>
    status === 204
      ? `writes are accepted (${head} in ${ms} ms)`
      : `the import URL answered ${head} in ${ms} ms, not 204 as VictoriaMetrics does: is this VictoriaMetrics?`,
  );
}
