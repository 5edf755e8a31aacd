import { redactUrl } from "@anomaly-writer/common";
import type { KeyPath } from "./parse-yaml.ts";
import type { SchemaContext } from "./schema-context.ts";

/**
 * Warns about a base URL that already carries vminsert's `/insert` prefix: with a tenant the
 * prefix is doubled (`/insert/insert/0:0/...`); without one, `/insert/api/v1/import` is not served.
 */
export function warnAboutInsertPath(
  context: SchemaContext,
  section: KeyPath,
  urlKey: string,
  url: string,
  tenantId: string | undefined,
): void {
  let pathname: string;
  try {
    pathname = new URL(url).pathname;
  } catch {
    return;
  }
  const shown = redactUrl(url);
  const insertAt = url.search(/\/insert(\/|$)/);
  if (tenantId !== undefined && insertAt !== -1 && /(^|\/)insert(\/|$)/.test(pathname)) {
    context.warn({
      path: [...section, urlKey],
      kind: "tenant-path-doubled",
      message:
        `"${shown}" already contains /insert while tenant_id is set: the tenant path is appended to it, ` +
        `giving ${shown}/insert/${tenantId}/prometheus/... (/insert twice); ` +
        `use the vminsert root URL "${redactUrl(url.slice(0, insertAt))}"`,
    });
  } else if (tenantId === undefined && /\/insert\/?$/.test(pathname)) {
    context.warn({
      path: [...section, urlKey],
      kind: "insert-path-without-tenant",
      message:
        `"${shown}" ends in /insert but tenant_id is not set: requests go to ${shown}/api/v1/import, ` +
        `which vminsert does not serve; set tenant_id (e.g. "0:0") and drop /insert from the URL`,
    });
  }
}
