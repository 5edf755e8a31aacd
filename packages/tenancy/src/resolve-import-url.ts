import { TenancyError } from "./errors.ts";
import { formatTenant } from "./format-tenant.ts";
import { resolveTenant } from "./resolve-tenant.ts";
import type { Tenant } from "./types.ts";

/** Options of resolveImportUrl. */
export interface ResolveImportUrlOptions {
  /** vmanomaly `datasource_url`; a path prefix (`http://proxy/vm/`) and a query string are kept. */
  readonly datasourceUrl: string;
  /** vmanomaly `tenant_id` (`"5"`, `"5:7"`, `"multitenant"`) or a parsed Tenant; unset for single node. */
  readonly tenantId?: string | Tenant | undefined;
  /** vmanomaly `import_json_path` (deprecated): replaces `path`, with or without a tenant. */
  readonly importJsonPath?: string | undefined;
  /** The API path. Default `/api/v1/import`; remote write passes `/api/v1/write`. */
  readonly path?: string | undefined;
}

/**
 * The URL to POST data to (spec §3):
 * no tenant: `{base}{path}`; tenant A:P: `{base}/insert/A:P/prometheus{path}`;
 * multitenant: `{base}/insert/multitenant/prometheus{path}`, where `path` is `importJsonPath`
 * when set, else `path`, else `/api/v1/import`. The base keeps the URL's path prefix (trailing
 * slashes dropped), credentials and query string; a query string in `path` is appended.
 * Throws TenancyError: `DATASOURCE_URL_INVALID` (not an http(s) URL) or `TENANT_INVALID`.
 */
export function resolveImportUrl(options: ResolveImportUrlOptions): string {
  let url: URL;
  try {
    url = new URL(options.datasourceUrl);
  } catch (error) {
    throw new TenancyError(
      "DATASOURCE_URL_INVALID",
      `datasource_url ${JSON.stringify(options.datasourceUrl)} is not a valid URL`,
      options.datasourceUrl,
      { cause: error },
    );
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new TenancyError(
      "DATASOURCE_URL_INVALID",
      `datasource_url must be an http:// or https:// URL, got ${JSON.stringify(url.protocol)}`,
      options.datasourceUrl,
    );
  }
  const tenant = resolveTenant(options.tenantId);
  const suffix =
    options.importJsonPath !== undefined && options.importJsonPath !== ""
      ? options.importJsonPath
      : (options.path ?? "/api/v1/import");
  const queryAt = suffix.indexOf("?");
  const suffixPath = queryAt === -1 ? suffix : suffix.slice(0, queryAt);
  const suffixQuery = queryAt === -1 ? "" : suffix.slice(queryAt + 1);
  const base = url.pathname.replace(/\/+$/, "");
  const tenantPath = tenant === undefined ? "" : `/insert/${formatTenant(tenant)}/prometheus`;
  url.pathname = base + tenantPath + (suffixPath.startsWith("/") ? suffixPath : `/${suffixPath}`);
  if (suffixQuery !== "") url.search = url.search === "" ? `?${suffixQuery}` : `${url.search}&${suffixQuery}`;
  url.hash = "";
  return url.href;
}
