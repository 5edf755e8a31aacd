import { type Transport, TransportError } from "@anomaly-writer/transport";

/** What the target says about when it started. */
export type TargetStartTime =
  /**
   * Seconds since the epoch, from `vm_app_start_timestamp`, and when reported the process's age in
   * whole seconds (`vm_app_uptime_seconds`, from a snapshot up to a second old).
   */
  | { readonly kind: "started"; readonly at: number; readonly uptimeSeconds?: number }
  /** No answer at the connection level (refused, timed out, 502/504 from a proxy): it may be down. */
  | { readonly kind: "unreachable"; readonly reason: string }
  /** It answered without a start time (not a VictoriaMetrics single node, or `/metrics` closed): restarts cannot be seen this way. */
  | { readonly kind: "unsupported"; readonly reason: string }
  /** Another failure (5xx): ask again later. */
  | { readonly kind: "unknown"; readonly reason: string };

const START_LINE = /^vm_app_start_timestamp(?:\{[^}]*\})? (\d+(?:\.\d+)?)\s*$/m;
const UPTIME_LINE = /^vm_app_uptime_seconds(?:\{[^}]*\})? (\d+(?:\.\d+)?)\s*$/m;
const CONNECTION_LEVEL = new Set(["connection_error", "timeout", "io_error", "502", "504"]);

/**
 * Read the start time a VictoriaMetrics single node reports on its `/metrics`
 * (`vm_app_start_timestamp`): when it changes, the server restarted and may have lost what it
 * acknowledged in its last seconds. One attempt, bounded by `timeoutMs`; never throws.
 */
export async function readTargetStartTime(
  transport: Transport,
  metricsUrl: string,
  timeoutMs: number,
): Promise<TargetStartTime> {
  try {
    const response = await transport.get(metricsUrl, { timeoutMs, retry: { attempts: 1 } });
    const match = START_LINE.exec(response.body);
    if (!match) return { kind: "unsupported", reason: `${metricsUrl} has no vm_app_start_timestamp` };
    const uptime = UPTIME_LINE.exec(response.body);
    return { kind: "started", at: Number(match[1]), ...(uptime ? { uptimeSeconds: Number(uptime[1]) } : {}) };
  } catch (error) {
    if (!(error instanceof TransportError)) return { kind: "unknown", reason: (error as Error).message };
    if (CONNECTION_LEVEL.has(error.outcome)) return { kind: "unreachable", reason: error.message };
    if (error.status !== undefined && error.status < 500)
      return { kind: "unsupported", reason: `${metricsUrl} answered ${error.status}` };
    return { kind: "unknown", reason: error.message };
  }
}
