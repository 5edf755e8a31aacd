/** What a secret is replaced with. */
export const REDACTED = "<redacted>";

/** Query parameter names that are credentials as a whole (VictoriaMetrics' `authKey`, signatures...). */
const SECRET_PARAM =
  /^(?:auth_?key|(?:access_|id_|refresh_)?token|password|passwd|pass|pwd|secret|client_secret|api_?key|apikey|key|authorization|bearer|sig|signature|x-amz-signature)$/i;
/** Names that hold a credential word anywhere (`db_password`, `api_token`, `x-secret-value`). */
const SECRET_PARAM_PART = /password|passwd|token|secret|api[_-]?key/i;

/**
 * A URL safe to print: userinfo becomes `<redacted>@`, and the values of query parameters named
 * like credentials (`authKey`, `token`, `password`, `api_key`, `signature`, or any name holding
 * `password`, `token`, `secret` or `api_key`) become `<redacted>`. A string that is not a valid
 * URL is redacted the same way as far as it looks like one; anything else is returned unchanged.
 */
export function redactUrl(url: string): string {
  const hashAt = url.indexOf("#");
  const beforeHash = hashAt === -1 ? url : url.slice(0, hashAt);
  const hash = hashAt === -1 ? "" : url.slice(hashAt);
  const queryAt = beforeHash.indexOf("?");
  const base = queryAt === -1 ? beforeHash : beforeHash.slice(0, queryAt);
  const query = queryAt === -1 ? "" : beforeHash.slice(queryAt + 1);
  return `${redactUserinfo(base)}${queryAt === -1 ? "" : `?${redactQuery(query)}`}${hash}`;
}

function redactUserinfo(base: string): string {
  // scheme://userinfo@host/path: the userinfo ends at the last "@" before the path.
  const match = /^([a-z][a-z0-9+.-]*:\/\/)([^/]*)(.*)$/is.exec(base);
  if (!match) return base;
  const [, scheme = "", authority = "", rest = ""] = match;
  const at = authority.lastIndexOf("@");
  if (at === -1) return base;
  return `${scheme}${REDACTED}@${authority.slice(at + 1)}${rest}`;
}

function redactQuery(query: string): string {
  if (query === "") return query;
  return query
    .split("&")
    .map((pair) => {
      const eq = pair.indexOf("=");
      if (eq === -1) return pair;
      let name = pair.slice(0, eq);
      try {
        name = decodeURIComponent(name.replace(/\+/g, " "));
      } catch {
        // keep it raw
      }
      return SECRET_PARAM.test(name) || SECRET_PARAM_PART.test(name) ? `${pair.slice(0, eq)}=${REDACTED}` : pair;
    })
    .join("&");
}
