import { CLIENT_CERTIFICATE_HINT } from "./classify-error.ts";

/** How a non-2xx HTTP answer is reported. */
export interface StatusClassification {
  /** The status as the vmanomaly `code` label, e.g. `"503"`. */
  readonly outcome: string;
  readonly retryable: boolean;
  readonly credentialError: boolean;
  readonly hint?: string;
}

/** vmauth 1.79 answers 400 (not 401) for an unknown bearer token or user. */
const VMAUTH_UNKNOWN_CREDENTIALS =
  /cannot (find|authorize) the provided auth token|cannot find the provided|missing .*Authorization/i;
/** nginx `ssl_verify_client on` answers 400 with these pages (statuses 495/496 internally). */
const NGINX_CLIENT_CERT =
  /No required SSL certificate was sent|The SSL certificate error|400 Bad Request[\s\S]*SSL certificate/i;

/**
 * Spec §4: 5xx and 429 are retried; 400, 409, 413, 415 and every other 4xx (and 3xx: redirects
 * are not followed) are permanent; 401/403 are credential errors.
 */
export function classifyStatus(status: number, body: string): StatusClassification {
  const outcome = String(status);
  if (status === 429 || (status >= 500 && status <= 599)) return { outcome, retryable: true, credentialError: false };
  if (status === 401 || status === 403) {
    return {
      outcome,
      retryable: false,
      credentialError: true,
      hint: "the server refused the credentials (user/password or bearer token)",
    };
  }
  if (status === 400 && NGINX_CLIENT_CERT.test(body)) {
    return { outcome, retryable: false, credentialError: false, hint: CLIENT_CERTIFICATE_HINT };
  }
  if (status === 400 && VMAUTH_UNKNOWN_CREDENTIALS.test(body)) {
    return {
      outcome,
      retryable: false,
      credentialError: true,
      hint: "vmauth does not know these credentials (user/password or bearer token)",
    };
  }
  if (status === 413)
    return {
      outcome,
      retryable: false,
      credentialError: false,
      hint: "the request body is larger than the server accepts",
    };
  if (status >= 300 && status <= 399) {
    return {
      outcome,
      retryable: false,
      credentialError: false,
      hint: "the server redirects (not followed): use the final URL in the config",
    };
  }
  return { outcome, retryable: false, credentialError: false };
}
