import { STATUS_CODES } from "node:http";
import { redactUrl, type Transport } from "@anomaly-writer/transport";
import { explainTransportError } from "./explain-transport-error.ts";
import type { ProbeOptions, ProbeResult } from "./probe-result.ts";

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
export async function probeWrite(
  transport: Transport,
  importUrl: string,
  options: ProbeWriteOptions = {},
): Promise<ProbeResult> {
  const now = options.now ?? (() => performance.now());
  const safeUrl = redactUrl(importUrl);
  const started = now();
  try {
    const response = await transport.post(importUrl, options.body ?? "", {
      contentType: options.contentType ?? "application/json",
      ...(options.headers !== undefined ? { headers: options.headers } : {}),
      gzip: false,
      retry: { attempts: 1 },
      ...(options.signal ? { signal: options.signal } : {}),
    });
    const latencyMs = Math.round((now() - started) * 10) / 10;
    const head = `${response.status} ${STATUS_CODES[response.status] ?? ""}`.trim();
    const ms = Math.round(latencyMs);
    const reason =
      response.status === 204
        ? `writes are accepted (${head} in ${ms} ms)`
        : `the import URL answered ${head} in ${ms} ms, not 204 as VictoriaMetrics does: is this VictoriaMetrics?`;
    return { ok: true, url: safeUrl, status: response.status, code: String(response.status), latencyMs, reason };
  } catch (error) {
    const latencyMs = Math.round((now() - started) * 10) / 10;
    const explained = explainTransportError(error, { url: importUrl, purpose: "write", latencyMs });
    return {
      ok: false,
      url: safeUrl,
      ...(explained.status === undefined ? {} : { status: explained.status }),
      code: explained.code,
      latencyMs,
      reason: explained.reason,
    };
  }
}
