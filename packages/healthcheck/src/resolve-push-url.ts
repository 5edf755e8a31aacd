import { redactUrl } from "@anomaly-writer/transport";
import { HealthcheckError } from "./errors.ts";

/** The path VictoriaMetrics takes Prometheus text exposition format on. */
export const PROMETHEUS_IMPORT_PATH = "/api/v1/import/prometheus";

/**
 * The URL self-metrics are pushed to (`monitoring.push.url` + `tenant_id`):
 * `{url}/api/v1/import/prometheus`, or `{url}/insert/{tenant}/prometheus/api/v1/import/prometheus`
 * for a cluster vminsert. A URL that already ends in `/api/v1/import/prometheus` is used as it is.
 */
export function resolvePushUrl(url: string, tenantId?: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (cause) {
    throw new HealthcheckError("HEALTHCHECK_INVALID_URL", `monitoring.push.url is not a valid URL: ${redactUrl(url)}`, {
      cause,
    });
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
    throw new HealthcheckError(
      "HEALTHCHECK_INVALID_URL",
      `monitoring.push.url must be http:// or https://, got ${parsed.protocol}//`,
    );
  }
  const tenant = tenantId?.trim() ?? "";
  if (tenant !== "" && !/^(\d+(:\d+)?|multitenant)$/.test(tenant)) {
    throw new HealthcheckError(
      "HEALTHCHECK_INVALID_OPTIONS",
      `monitoring.push.tenant_id must be "N", "N:M" or "multitenant", got ${JSON.stringify(tenant)}`,
    );
  }
  const base = parsed.pathname.replace(/\/+$/, "");
  if (base.endsWith(PROMETHEUS_IMPORT_PATH)) return parsed.toString();
  parsed.pathname = `${base}${tenant === "" ? "" : `/insert/${tenant}/prometheus`}${PROMETHEUS_IMPORT_PATH}`;
  return parsed.toString();
}
