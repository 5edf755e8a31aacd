import { parseRetentionPeriod } from "@anomaly-writer/common";
import type { RecordLimits } from "@anomaly-writer/metric-format";
import { type Transport, TransportError } from "@anomaly-writer/transport";

/** What a VictoriaMetrics reports about the limits it applies. */
export type ServerLimits =
  | {
      readonly ok: true;
      /** Limits the server reports on `/flags` (only flags set away from their default are listed). */
      readonly limits: Pick<RecordLimits, "retentionMs" | "maxLabelsPerSeries" | "maxLabelValueBytes">;
      /** The flags read, by name without the dash (values as printed, e.g. `100y`). */
      readonly flags: Readonly<Record<string, string>>;
    }
  | { readonly ok: false; readonly reason: string };

/** The `/flags` page beside the import path: `{datasource_url}/flags`. */
export function resolveFlagsUrl(datasourceUrl: string): string {
  return `${datasourceUrl.replace(/\/+$/, "")}/flags`;
}

const FLAG_LINE = /^-([A-Za-z][\w.-]*)=(?:"(.*)"|(.*))$/;
/** The transport's `context.component` of this request: not a write, so not in the write metrics. */
export const FLAGS_CONTEXT = Object.freeze({ component: "flags" });

/**
 * Read `GET /flags` of a VictoriaMetrics single node (one `-name="value"` line per flag set away
 * from its default) and take the limits the writer must respect: `-retentionPeriod`,
 * `-maxLabelsPerTimeseries`, `-maxLabelValueLen`. A flag not listed is at VictoriaMetrics'
 * default. Never throws: an unreachable server, a 404 (vminsert through a proxy, vmauth) or a
 * 401 (`-flagsAuthKey`) answers `ok: false` with the reason.
 */
export async function readServerLimits(
  transport: Transport,
  datasourceUrl: string,
  options: { readonly timeoutMs?: number } = {},
): Promise<ServerLimits> {
  let body: string;
  try {
    const response = await transport.get(resolveFlagsUrl(datasourceUrl), {
      retry: { attempts: 1 },
      context: FLAGS_CONTEXT,
      ...(options.timeoutMs !== undefined && { timeoutMs: options.timeoutMs }),
    });
    body = response.body;
  } catch (error) {
    const code = error instanceof TransportError ? error.outcome : "error";
    return { ok: false, reason: `GET /flags failed (${code})` };
  }
  const flags: Record<string, string> = {};
  for (const line of body.split("\n")) {
    const match = FLAG_LINE.exec(line.trim());
    if (match) flags[match[1] as string] = match[2] ?? match[3] ?? "";
  }
  const limits: { retentionMs?: number; maxLabelsPerSeries?: number; maxLabelValueBytes?: number } = {};
  const retention = flags.retentionPeriod === undefined ? undefined : parseRetentionPeriod(flags.retentionPeriod);
  if (retention !== undefined) limits.retentionMs = retention;
  const labels = positiveInteger(flags.maxLabelsPerTimeseries);
  if (labels !== undefined) limits.maxLabelsPerSeries = labels;
  const valueLength = positiveInteger(flags.maxLabelValueLen);
  if (valueLength !== undefined) limits.maxLabelValueBytes = valueLength;
  return { ok: true, limits, flags };
}

function positiveInteger(text: string | undefined): number | undefined {
  if (text === undefined || !/^\d+$/.test(text.trim())) return undefined;
  const value = Number(text);
  return Number.isSafeInteger(value) && value > 0 ? value : undefined;
}
