import type { Transport } from "@anomaly-writer/transport";
import type { ProbeOptions, ProbeResult } from "./probe-result.ts";
import { runProbe } from "./run-probe.ts";

/**
 * GET the health URL (see `resolveHealthUrl`) once, without retries, and say whether
 * VictoriaMetrics answers. A healthy answer does not prove that writes work: see `probeWrite`.
 */
export function probeHealth(transport: Transport, url: string, options: ProbeOptions = {}): Promise<ProbeResult> {
  return runProbe(
    url,
    "health",
    options,
    () => transport.get(url, { retry: { attempts: 1 }, ...(options.signal ? { signal: options.signal } : {}) }),
    (head, ms) => `VictoriaMetrics is healthy (${head} in ${ms} ms)`,
  );
}
