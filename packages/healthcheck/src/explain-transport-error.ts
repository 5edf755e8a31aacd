import { STATUS_CODES } from "node:http";
import type { TransportError } from "@anomaly-writer/transport";

/** What a request was for: it changes which cause is likely behind a failure. */
export type RequestPurpose = "health" | "write" | "push";

/** A failure in one human sentence, with its metric-style code. */
export interface TransportErrorExplanation {
  /** The HTTP status as text (`"401"`) or `connection_error`, `timeout`, `ssl_error`, `io_error`, `aborted`, `config_error`, `error`. */
  readonly code: string;
  readonly status?: number;
  /** What went wrong and what to change; never holds credentials or a response that could echo them. */
  readonly reason: string;
}

/** Context of {@link explainTransportError}. */
export interface ExplainContext {
  /** The URL that was requested (credentials are not printed). */
  readonly url: string;
  readonly purpose: RequestPurpose;
  /** How long the request took, for the timeout sentence. */
  readonly latencyMs?: number;
}

const TRUST_CODES = new Set([
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "CERT_UNTRUSTED",
  "CERT_SIGNATURE_FAILURE",
]);
const NOT_TLS_CODES = new Set([
  "ERR_SSL_WRONG_VERSION_NUMBER",
  "ERR_SSL_PACKET_LENGTH_TOO_LONG",
  "ERR_SSL_HTTP_REQUEST",
  "EPROTO",
]);
const CLIENT_CERT_CODES = new Set([
  "ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED",
  "ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE",
  "ERR_SSL_TLSV1_ALERT_UNKNOWN_CA",
  "ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE",
  "ERR_SSL_TLSV1_ALERT_ACCESS_DENIED",
]);
const CLOSED_CODES = new Set(["ECONNRESET", "EPIPE", "UND_ERR_SOCKET", "UND_ERR_CLOSED", "ECONNABORTED"]);

/**
 * Explain a failed transport request (a `TransportError`, or any error) precisely: refused, DNS,
 * timeout, TLS trust, mTLS, wrong credentials, wrong tenant path, wrong health path, server errors.
 */
export function explainTransportError(error: unknown, context: ExplainContext): TransportErrorExplanation {
  const target = describeTarget(context.url);
  if (error instanceof Error && (error as { code?: unknown }).code === "TRANSPORT_CONFIG_INVALID") {
    return { code: "config_error", reason: `cannot send the request: ${error.message.replace(/^\[transport\] /, "")}` };
  }
  const transport = asTransportError(error);
  if (transport?.code === "TRANSPORT_HTTP" && transport.status !== undefined) {
    const reason = explainStatus(
      transport.status,
      transport.body ?? "",
      target,
      context.purpose,
      transport.credentialError,
    );
    return { code: String(transport.status), status: transport.status, reason };
  }
  const found = collectCauses(error);
  const has = (set: ReadonlySet<string>) => found.codes.some((code) => set.has(code));
  const text = found.messages.join(" | ");

  if (
    transport?.code === "TRANSPORT_TIMEOUT" ||
    found.codes.includes("ETIMEDOUT") ||
    found.codes.includes("UND_ERR_CONNECT_TIMEOUT") ||
    found.codes.includes("UND_ERR_HEADERS_TIMEOUT")
  ) {
    const within = context.latencyMs === undefined ? "" : ` within ${Math.round(context.latencyMs)} ms`;
    return {
      code: "timeout",
      reason: `timeout: no answer from ${target.hostPort}${within} (is VictoriaMetrics overloaded or frozen? raise timeout if it is just slow)`,
    };
  }
  if (transport?.code === "TRANSPORT_ABORTED" || found.codes.includes("ABORT_ERR")) {
    return { code: "aborted", reason: `the request to ${target.hostPort} was cancelled` };
  }
  const tls = explainTlsFailure(found, text, target);
  if (tls) return tls;
  const network = explainNetworkFailure(found, target);
  if (network) return network;
  if (transport?.code === "TRANSPORT_TLS") {
    const hint = transport.hint === undefined ? "" : ` (${transport.hint})`;
    return {
      code: "ssl_error",
      reason: `TLS handshake with ${target.hostPort} failed: ${firstLine(found.messages)}${hint}`,
    };
  }
  if (has(CLOSED_CODES) || /other side closed|socket hang up|closed/i.test(text)) {
    const hint = target.https
      ? " — does it demand a client certificate (mTLS)? set tls_cert_file and tls_key_file"
      : "";
    const code = transport?.code === "TRANSPORT_IO" ? "io_error" : "connection_error";
    return { code, reason: `the connection to ${target.hostPort} was closed without an answer${hint}` };
  }
  const code = transport ? outcomeCode(transport) : "error";
  return { code, reason: `request to ${target.hostPort} failed: ${firstLine(found.messages)}` };
}

type Causes = ReturnType<typeof collectCauses>;

/** Certificates that are not trusted, not for this host, expired, a client certificate wanted, or no TLS at all. */
function explainTlsFailure(found: Causes, text: string, target: Target): TransportErrorExplanation | undefined {
  const has = (set: ReadonlySet<string>) => found.codes.some((code) => set.has(code));
  if (has(TRUST_CODES) || /self[- ]signed|unable to verify|unable to get (local )?issuer/i.test(text)) {
    return {
      code: "ssl_error",
      reason: `TLS: certificate of ${target.hostPort} not trusted (set verify_tls to the CA bundle path)`,
    };
  }
  if (found.codes.includes("ERR_TLS_CERT_ALTNAME_INVALID")) {
    return {
      code: "ssl_error",
      reason: `TLS: the certificate of ${target.hostPort} is not issued for ${target.hostname} (connect by a name it lists, or reissue it with that name)`,
    };
  }
  if (found.codes.includes("CERT_HAS_EXPIRED") || found.codes.includes("CERT_NOT_YET_VALID")) {
    return { code: "ssl_error", reason: `TLS: the certificate of ${target.hostPort} has expired or is not valid yet` };
  }
  if (has(CLIENT_CERT_CODES)) {
    return {
      code: "ssl_error",
      reason: `mTLS: ${target.hostPort} refused the TLS handshake: it wants a client certificate it trusts (set tls_cert_file and tls_key_file)`,
    };
  }
  if (target.https && (has(NOT_TLS_CODES) || /wrong version number|packet length too long/i.test(text))) {
    return { code: "ssl_error", reason: `TLS: ${target.hostPort} does not speak TLS (use http:// in the URL)` };
  }
  return undefined;
}

/** Refused connections, DNS and routing. */
function explainNetworkFailure(found: Causes, target: Target): TransportErrorExplanation | undefined {
  if (found.codes.includes("ECONNREFUSED")) {
    return {
      code: "connection_error",
      reason: `connection refused: nothing listens on ${target.hostPort} (is VictoriaMetrics running?)`,
    };
  }
  if (found.codes.includes("ENOTFOUND") || found.codes.includes("EAI_AGAIN") || found.codes.includes("EAI_NONAME")) {
    return {
      code: "connection_error",
      reason: `DNS: cannot resolve host ${JSON.stringify(target.hostname)} (check the host name in the URL)`,
    };
  }
  if (
    found.codes.includes("EHOSTUNREACH") ||
    found.codes.includes("ENETUNREACH") ||
    found.codes.includes("EADDRNOTAVAIL")
  ) {
    return {
      code: "connection_error",
      reason: `network: ${target.hostPort} is unreachable from here (routing, firewall?)`,
    };
  }
  return undefined;
}

interface Target {
  readonly hostPort: string;
  readonly hostname: string;
  readonly path: string;
  readonly https: boolean;
}

function describeTarget(url: string): Target {
  try {
    const parsed = new URL(url);
    const https = parsed.protocol === "https:";
    const port = parsed.port || (https ? "443" : "80");
    const hostname = parsed.hostname.replace(/^\[|\]$/g, "");
    return { hostPort: `${parsed.hostname}:${port}`, hostname, path: parsed.pathname, https };
  } catch {
    return { hostPort: "the server", hostname: "", path: "", https: false };
  }
}

function explainStatus(
  status: number,
  rawBody: string,
  target: Target,
  purpose: RequestPurpose,
  credentialError: boolean,
): string {
  const head = `${status} ${STATUS_CODES[status] ?? "HTTP error"}`;
  const body = rawBody.replace(/\s+/g, " ").trim();
  const excerpt = (text: string) => (text.length > 200 ? `${text.slice(0, 200)}...` : text);
  const serverSaid = body === "" ? "" : `: ${excerpt(stripVmPrefix(body))}`;

  if (status === 401) return `${head}: wrong or missing credentials (check user/password or bearer_token)`;
  if (status === 403)
    return `${head}: the credentials were accepted but may not use ${target.path} (check the user's permissions)`;
  // vmauth answers 400 for an unknown bearer token and echoes the token: never print that body.
  if (credentialError || /auth token|missing .?authorization|cannot authorize/i.test(body)) {
    return `${head}: the proxy (vmauth) does not know these credentials (wrong bearer_token or user/password)`;
  }
  if (/no required ssl certificate was sent/i.test(body)) {
    return `${head}: mTLS: the server demands a client certificate (set tls_cert_file and tls_key_file)`;
  }
  if (/ssl certificate error/i.test(body)) {
    return `${head}: mTLS: the server refused our client certificate (is it signed by the CA the server trusts?)`;
  }
  if (/http request to an https server|plain http request was sent to https port/i.test(body)) {
    return `${head}: ${target.hostPort} speaks HTTPS: use https:// in the URL`;
  }
  const unsupported = /unsupported path/i.test(body);
  if (purpose === "health" && (status === 404 || unsupported)) {
    return `${head}: nothing is served at ${target.path} on ${target.hostPort} (check health_path: "health" resolves below datasource_url, "/health" at the host root; VictoriaMetrics serves /health at each component's root)`;
  }
  if ((purpose === "write" || purpose === "push") && unsupported) {
    const suffix = purpose === "push" ? "/api/v1/import/prometheus" : "/api/v1/import";
    if (/\/insert\//.test(target.path)) {
      return `wrong tenant path: the server does not serve ${target.path} — is tenant_id set for a single-node VictoriaMetrics (remove it), or does the URL point at vmselect instead of vminsert?`;
    }
    return `wrong tenant path: the server does not serve ${target.path.endsWith(suffix) ? suffix : target.path} — is tenant_id missing for a cluster vminsert?`;
  }
  if ((purpose === "write" || purpose === "push") && status === 404) {
    return `${head}: the server does not serve ${target.path} (check datasource_url, its path prefix, and import_json_path)`;
  }
  if (status === 405)
    return `${head}: ${target.path} does not accept ${purpose === "health" ? "GET" : "POST"} (is the path right?)`;
  if (status === 413)
    return `${head}: the request body is too large for the server or a proxy in front of it${serverSaid}`;
  if (status === 429) return `${head}: the server is rate-limiting this client${serverSaid}`;
  if (status === 502 || status === 504)
    return `${head}: a proxy in front of VictoriaMetrics cannot reach it${serverSaid}`;
  if (status === 503)
    return `${head}: VictoriaMetrics cannot take the request now (starting, read-only storage or overloaded)${serverSaid}`;
  return `${head}${serverSaid}`;
}

/** VictoriaMetrics prefixes errors with `remoteAddr: "..."; requestURI: ...;` — the URI may carry query args. */
function stripVmPrefix(body: string): string {
  return body.replace(/^remoteAddr: "[^"]*"; requestURI: [^;]*; /, "");
}

/** Duck-typed, so that an error from another copy of the transport package is recognised too. */
function asTransportError(error: unknown): TransportError | undefined {
  const code: unknown = error instanceof Error ? (error as { code?: unknown }).code : undefined;
  return typeof code === "string" && code.startsWith("TRANSPORT_") ? (error as TransportError) : undefined;
}

function outcomeCode(error: TransportError): string {
  if (typeof error.outcome === "string" && error.outcome !== "") return error.outcome;
  switch (error.code) {
    case "TRANSPORT_TIMEOUT":
      return "timeout";
    case "TRANSPORT_TLS":
      return "ssl_error";
    case "TRANSPORT_IO":
      return "io_error";
    case "TRANSPORT_ABORTED":
      return "aborted";
    default:
      return "connection_error";
  }
}

/** Error codes and messages along `cause` chains and `AggregateError.errors`. */
function collectCauses(error: unknown): { codes: string[]; messages: string[] } {
  const codes: string[] = [];
  const messages: string[] = [];
  const seen = new Set<unknown>();
  const visit = (value: unknown, depth: number): void => {
    if (value === null || typeof value !== "object" || seen.has(value) || depth > 8) return;
    seen.add(value);
    const record = value as { code?: unknown; message?: unknown; cause?: unknown; errors?: unknown };
    if (typeof record.code === "string" && !record.code.startsWith("TRANSPORT_")) codes.push(record.code);
    if (typeof record.message === "string" && record.message !== "") messages.push(record.message);
    visit(record.cause, depth + 1);
    if (Array.isArray(record.errors)) for (const inner of record.errors) visit(inner, depth + 1);
  };
  visit(error, 0);
  return { codes, messages };
}

function firstLine(messages: readonly string[]): string {
  // The innermost message is usually the most specific one.
  const message = messages.at(-1) ?? "unknown error";
  return message.split("\n")[0]?.replace(/\/\/[^/@\s]*@/g, "//***@") ?? message;
}
