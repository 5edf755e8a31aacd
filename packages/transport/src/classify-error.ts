import { type ChainLink, errorChain } from "./error-chain.ts";
import { TransportError, type TransportErrorCode } from "./errors.ts";

/** How a failure is reported and whether it is worth another attempt. */
export interface ErrorClassification {
  readonly code: TransportErrorCode;
  /** The vmanomaly `code` label: `connection_error`, `timeout`, `ssl_error`, `io_error`, an HTTP status, or `aborted`. */
  readonly outcome: string;
  readonly retryable: boolean;
  /** What to check, when the failure has a usual cause. */
  readonly hint?: string;
  /** One line: the innermost message with its code, e.g. `connect ECONNREFUSED 127.0.0.1:8428`. */
  readonly reason: string;
}

/** `code` of the error the transport aborts an attempt with when `timeoutMs` passes. */
export const ATTEMPT_TIMEOUT_CODE = "TRANSPORT_ATTEMPT_TIMEOUT";
/** `code` of the error a failing request body source (stream factory) is wrapped in. */
export const BODY_SOURCE_CODE = "TRANSPORT_BODY_SOURCE";

/** The hint of every failure that looks like a refused (or missing) client certificate. */
export const CLIENT_CERTIFICATE_HINT =
  "the server may require a client certificate it trusts (tls_cert_file/tls_key_file)";

const TIMEOUT_CODES = new Set([
  ATTEMPT_TIMEOUT_CODE,
  "UND_ERR_CONNECT_TIMEOUT",
  "UND_ERR_HEADERS_TIMEOUT",
  "UND_ERR_BODY_TIMEOUT",
  "ETIMEDOUT",
  "ESOCKETTIMEDOUT",
]);
const ABORT_CODES = new Set(["ABORT_ERR", "UND_ERR_ABORTED"]);
/** No connection could be made: refused, the name not resolved, the host or network unreachable. */
const NO_CONNECTION_CODES = [
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EAI_NONAME",
  "EAI_FAIL",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EHOSTDOWN",
  "ENETDOWN",
  "EADDRNOTAVAIL",
];
/** A connection that existed and was closed under the request (stale keep-alive socket, server refusing after the handshake). */
const SOCKET_CLOSED_CODES = new Set(["ECONNRESET", "EPIPE", "ECONNABORTED", "UND_ERR_SOCKET", "UND_ERR_CLOSED"]);
const CONNECTION_CODES = new Set([...NO_CONNECTION_CODES, ...SOCKET_CLOSED_CODES]);

/** Server-certificate verification failures (Node/OpenSSL codes). */
const SERVER_CERT_CODES = new Set([
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "UNABLE_TO_GET_ISSUER_CERT",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "UNABLE_TO_GET_CRL",
  "UNABLE_TO_DECRYPT_CERT_SIGNATURE",
  "CERT_SIGNATURE_FAILURE",
  "CERT_NOT_YET_VALID",
  "CERT_HAS_EXPIRED",
  "ERROR_IN_CERT_NOT_BEFORE_FIELD",
  "ERROR_IN_CERT_NOT_AFTER_FIELD",
  "CERT_REVOKED",
  "CERT_UNTRUSTED",
  "CERT_REJECTED",
  "INVALID_CA",
  "PATH_LENGTH_EXCEEDED",
  "INVALID_PURPOSE",
  "HOSTNAME_MISMATCH",
  "ERR_TLS_CERT_ALTNAME_INVALID",
  "ERR_TLS_CERT_ALTNAME_FORMAT",
]);
/** Alerts a server sends when it does not accept our (missing) client certificate. */
const CLIENT_CERT_ALERTS =
  /ALERT_(CERTIFICATE_REQUIRED|BAD_CERTIFICATE|UNKNOWN_CA|CERTIFICATE_UNKNOWN|HANDSHAKE_FAILURE|ACCESS_DENIED|UNSUPPORTED_CERTIFICATE|CERTIFICATE_REVOKED|CERTIFICATE_EXPIRED|DECRYPT_ERROR)/;

/**
 * Classify a failure of one attempt (undici wraps errors: the whole `cause` chain is examined).
 * HTTP statuses are not errors here: see `classifyStatus`.
 */
export function classifyError(error: unknown): ErrorClassification {
  const chain = errorChain(error);
  const own = chain.find((link) => link.error instanceof TransportError)?.error as TransportError | undefined;
  if (own) {
    return {
      code: own.code,
      outcome: own.outcome,
      retryable: own.retryable,
      ...(own.hint !== undefined ? { hint: own.hint } : {}),
      reason: own.message.replace(/^\[transport\] /, ""),
    };
  }
  const reason = describe(chain);
  const has = (test: (link: ChainLink) => boolean) => chain.some(test);

  if (has((l) => TIMEOUT_CODES.has(l.code) || l.name === "TimeoutError")) {
    return { code: "TRANSPORT_TIMEOUT", outcome: "timeout", retryable: true, reason };
  }
  if (has((l) => l.code === BODY_SOURCE_CODE)) {
    return {
      code: "TRANSPORT_IO",
      outcome: "io_error",
      retryable: false,
      reason,
      hint: "the request body source failed",
    };
  }
  if (has((l) => ABORT_CODES.has(l.code) || l.name === "AbortError")) {
    return { code: "TRANSPORT_ABORTED", outcome: "aborted", retryable: false, reason };
  }
  const tls = chain.find(
    (l) => isTlsCode(l.code) || /SSL routines|ssl3_|tls_process|wrong version number/i.test(l.message),
  );
  if (tls) {
    return { code: "TRANSPORT_TLS", outcome: "ssl_error", retryable: false, reason, hint: tlsHint(tls) };
  }
  if (has((l) => CONNECTION_CODES.has(l.code) || /other side closed|socket hang up/i.test(l.message))) {
    const dns = has(
      (l) => l.code === "ENOTFOUND" || l.code === "EAI_AGAIN" || l.code === "EAI_NONAME" || l.code === "EAI_FAIL",
    );
    return {
      code: "TRANSPORT_CONNECTION",
      outcome: "connection_error",
      retryable: true,
      reason,
      ...(dns ? { hint: "the host name does not resolve (DNS)" } : {}),
    };
  }
  if (has((l) => l.message === "bad port")) {
    return {
      code: "TRANSPORT_IO",
      outcome: "io_error",
      retryable: false,
      reason,
      hint: "fetch refuses to connect to this port (WHATWG fetch 'bad ports' list): use another port",
    };
  }
  return { code: "TRANSPORT_IO", outcome: "io_error", retryable: true, reason };
}

/** Whether the failure is a connection closed under the request (reset, "other side closed"). */
export function isSocketClosed(error: unknown): boolean {
  return errorChain(error).some((l) => SOCKET_CLOSED_CODES.has(l.code) || /other side closed/i.test(l.message));
}

const BEFORE_SENDING_CODES = new Set([...NO_CONNECTION_CODES, "UND_ERR_CONNECT_TIMEOUT"]);

/** Whether the failure happened before a byte of the request could be written (connect, DNS, TLS handshake). */
export function failedBeforeSending(error: unknown): boolean {
  return errorChain(error).some(
    (l) => BEFORE_SENDING_CODES.has(l.code) || isTlsCode(l.code) || l.message === "bad port",
  );
}

function isTlsCode(code: string): boolean {
  return SERVER_CERT_CODES.has(code) || /^ERR_(SSL|TLS|OSSL)_/.test(code);
}

function tlsHint(link: ChainLink): string {
  const code = link.code;
  if (
    CLIENT_CERT_ALERTS.test(code) ||
    /alert (certificate required|bad certificate|unknown ca|certificate unknown|handshake failure)/i.test(link.message)
  ) {
    return CLIENT_CERTIFICATE_HINT;
  }
  if (code === "ERR_TLS_CERT_ALTNAME_INVALID" || code === "HOSTNAME_MISMATCH") {
    return "the server certificate does not name this host: use the host name it was issued for";
  }
  if (code === "CERT_HAS_EXPIRED" || code === "CERT_NOT_YET_VALID") {
    return "the server certificate is expired or not yet valid (check the clocks and renew it)";
  }
  if (SERVER_CERT_CODES.has(code)) {
    return "the server certificate is not trusted: set verify_tls to the CA bundle that signed it (or false to skip verification)";
  }
  if (/WRONG_VERSION_NUMBER|PACKET_LENGTH_TOO_LONG|HTTP_REQUEST/.test(code)) {
    return "the scheme looks wrong: https:// to a plain HTTP port, or the reverse";
  }
  return "TLS handshake failed";
}

/** The innermost informative message, with its code when the message lacks it. */
function describe(chain: readonly ChainLink[]): string {
  const generic = /^(fetch failed|\[\w+\] ".*?": <no response>.*)$/i;
  const informative = chain.filter((l) => l.message !== "" && !generic.test(l.message));
  const link = informative.find((l) => l.code !== "") ?? informative.at(-1) ?? chain.at(-1);
  if (!link) return "unknown error";
  let message = (link.message || link.name || "error").replace(/\s+/g, " ").trim();
  // OpenSSL: "802C...:error:0A00010B:SSL routines:ssl3_get_record:wrong version number:../deps/..." -> the reason.
  const openssl = /SSL routines:[^:]*:([^:]+)/.exec(message);
  if (openssl?.[1]) message = openssl[1].trim();
  return link.code !== "" && !message.includes(link.code) ? `${message} (${link.code})` : message;
}
