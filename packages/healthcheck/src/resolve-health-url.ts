import { redactUrl } from "@anomaly-writer/transport";
import { HealthcheckError } from "./errors.ts";

/** vmanomaly's default `health_path`. */
export const DEFAULT_HEALTH_PATH = "health";

/**
 * The URL to probe for `health_path`, resolved like a browser resolves a link against
 * `datasource_url`, whose path is treated as a directory even without a trailing slash:
 * `health` → `{datasource_url}/health`, `/health` → the host root, `http://x/y` → itself.
 * User info in `datasource_url` is kept (the request may need it); print the result with
 * `redactUrl` (from `@anomaly-writer/transport`).
 */
export function resolveHealthUrl(datasourceUrl: string, healthPath: string = DEFAULT_HEALTH_PATH): string {
  let base: URL;
  try {
    base = new URL(datasourceUrl);
  } catch (cause) {
    throw new HealthcheckError(
      "HEALTHCHECK_INVALID_URL",
      `datasource_url is not a valid URL: ${redactUrl(datasourceUrl)}`,
      { cause },
    );
  }
  if (base.protocol !== "http:" && base.protocol !== "https:") {
    throw new HealthcheckError(
      "HEALTHCHECK_INVALID_URL",
      `datasource_url must be http:// or https://, got ${base.protocol}//`,
      {
        url: redactUrl(datasourceUrl),
      },
    );
  }
  base.search = "";
  base.hash = "";
  if (!base.pathname.endsWith("/")) base.pathname = `${base.pathname}/`;
  const path = healthPath.trim() === "" ? DEFAULT_HEALTH_PATH : healthPath.trim();
  let resolved: URL;
  try {
    resolved = new URL(path, base);
  } catch (cause) {
    throw new HealthcheckError(
      "HEALTHCHECK_INVALID_URL",
      `health_path ${JSON.stringify(path)} does not resolve to a URL`,
      { cause },
    );
  }
  if (resolved.protocol !== "http:" && resolved.protocol !== "https:") {
    throw new HealthcheckError(
      "HEALTHCHECK_INVALID_URL",
      `health_path must resolve to an http:// or https:// URL, got ${resolved.protocol}//`,
      {
        url: redactUrl(resolved.toString()),
      },
    );
  }
  return resolved.toString();
}
