import { REDACTED, redactUrl } from "@anomaly-writer/common";

// camelCase keys of the resolved config, snake_case keys of raw YAML.
const SECRET_KEY = /^(?:password|bearer_?token|.*secret.*|.*_?(?:password|token))$/i;

/** True for keys whose value is a secret (`password`, `bearerToken`, `bearer_token`...; not `bearerTokenFile`). */
export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key) && !/file$/i.test(key);
}

/**
 * A deep copy of a config that is safe to print: every password and bearer token is replaced by
 * `<redacted>`, and so is the userinfo (and secret query parameters) of every URL in it.
 */
export function redactConfig<T>(config: T): T {
  return redact(config, undefined) as T;
}

function redact(value: unknown, key: string | undefined): unknown {
  if (typeof value === "string") {
    if (key !== undefined && isSecretKey(key)) return REDACTED;
    return value.includes("://") || value.includes("?") ? redactUrl(value) : value;
  }
  if (Array.isArray(value)) return value.map((item) => redact(item, undefined));
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      Object.defineProperty(out, k, { value: redact(v, k), enumerable: true, writable: true, configurable: true });
    }
    return out;
  }
  return value;
}
