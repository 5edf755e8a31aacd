export const REDACTED = "<redacted>";

const USERINFO = /^([A-Za-z][A-Za-z0-9+.-]*:\/\/)([^/?#]*)@/;
const SECRET_PARAM = /^(?:authkey|.*(?:password|passwd|token|secret|api[_-]?key).*)$/i;

/**
 * Replaces the user:password part of a URL and the values of secret-looking query parameters
 * (`authKey`, `*token*`, `*password*`, `*secret*`, `*api_key*`) with `<redacted>`. Works on text
 * that is not a valid URL too; returns anything else unchanged.
 */
export function redactUrl(url: string): string {
  let out = url.replace(USERINFO, `$1${REDACTED}@`);
  const query = out.indexOf("?");
  if (query !== -1) {
    const hash = out.indexOf("#", query);
    const end = hash === -1 ? out.length : hash;
    const params = out
      .slice(query + 1, end)
      .split("&")
      .map((param) => {
        const eq = param.indexOf("=");
        if (eq === -1) return param;
        let name = param.slice(0, eq);
        try {
          name = decodeURIComponent(name);
        } catch {
          // keep the raw name
        }
        return SECRET_PARAM.test(name) ? `${param.slice(0, eq)}=${REDACTED}` : param;
      });
    out = `${out.slice(0, query + 1)}${params.join("&")}${out.slice(end)}`;
  }
  return out;
}
