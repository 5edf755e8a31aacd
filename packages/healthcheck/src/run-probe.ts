import { STATUS_CODES } from "node:http";
import { redactUrl } from "@anomaly-writer/transport";
import { explainTransportError, type RequestPurpose } from "./explain-transport-error.ts";
import type { ProbeOptions, ProbeResult } from "./probe-result.ts";

/**
 * One probe request, timed: an answer becomes an ok result whose reason `describe` words from
 * the status line (`204 No Content`) and the whole milliseconds; a failure becomes the
 * explained one (code, status, reason), never holding credentials.
 */
export async function runProbe(
  url: string,
  purpose: RequestPurpose,
  options: ProbeOptions,
  request: () => Promise<{ readonly status: number }>,
  describe: (head: string, ms: number, status: number) => string,
): Promise<ProbeResult> {
  const now = options.now ?? (() => performance.now());
  const safeUrl = redactUrl(url);
  const started = now();
  try {
    const response = await request();
    const latencyMs = Math.round((now() - started) * 10) / 10;
    const head = `${response.status} ${STATUS_CODES[response.status] ?? ""}`.trim();
    const reason = describe(head, Math.round(latencyMs), response.status);
    return { ok: true, url: safeUrl, status: response.status, code: String(response.status), latencyMs, reason };
  } catch (error) {
    const latencyMs = Math.round((now() - started) * 10) / 10;
    const explained = explainTransportError(error, { url, purpose, latencyMs });
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
