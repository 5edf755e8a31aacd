import { STATUS_CODES } from "node:http";
import { redactUrl, type Transport } from "@anomaly-writer/transport";
import { explainTransportError } from "./explain-transport-error.ts";
import type { ProbeOptions, ProbeResult } from "./probe-result.ts";

/**
 * GET the health URL (see `resolveHealthUrl`) once, without retries, and say whether
 * VictoriaMetrics answers. A healthy answer does not prove that writes work: see `probeWrite`.
 */
export async function probeHealth(transport: Transport, url: string, options: ProbeOptions = {}): Promise<ProbeResult> {
  const now = options.now ?? (() => performance.now());
  const safeUrl = redactUrl(url);
  const started = now();
  try {
    const response = await transport.get(url, {
      retry: { attempts: 1 },
      ...(options.signal ? { signal: options.signal } : {}),
    });
    const latencyMs = Math.round((now() - started) * 10) / 10;
    const head = `${response.status} ${STATUS_CODES[response.status] ?? ""}`.trim();
    return {
      ok: true,
      url: safeUrl,
      status: response.status,
      code: String(response.status),
      latencyMs,
      reason: `VictoriaMetrics is healthy (${head} in ${Math.round(latencyMs)} ms)`,
    };
  } catch (error) {
    const latencyMs = Math.round((now() - started) * 10) / 10;
    const explained = explainTransportError(error, { url, purpose: "health", latencyMs });
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
