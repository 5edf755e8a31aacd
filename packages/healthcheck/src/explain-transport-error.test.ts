import { TransportConfigError, TransportError, type TransportErrorInit } from "@anomaly-writer/transport";
import { describe, expect, it } from "vitest";
import { explainTransportError } from "./explain-transport-error.ts";

const url = "https://vm.example:8443/insert/0:0/prometheus/api/v1/import";
const systemError = (code: string, message = code) => Object.assign(new Error(message), { code });
const failed = (init: Partial<TransportErrorInit> & Pick<TransportErrorInit, "code" | "outcome">, cause?: unknown) =>
  new TransportError({ message: "failed", retryable: false, ...init, ...(cause === undefined ? {} : { cause }) });
const http = (status: number, body = "") => failed({ code: "TRANSPORT_HTTP", outcome: String(status), status, body });

describe("explainTransportError", () => {
  it.each([
    [
      systemError("ENOTFOUND", "getaddrinfo ENOTFOUND vm.example"),
      "connection_error",
      'DNS: cannot resolve host "vm.example" (check the host name in the URL)',
    ],
    [
      systemError("EHOSTUNREACH"),
      "connection_error",
      "network: vm.example:8443 is unreachable from here (routing, firewall?)",
    ],
    [
      systemError("ERR_TLS_CERT_ALTNAME_INVALID"),
      "ssl_error",
      "TLS: the certificate of vm.example:8443 is not issued for vm.example (connect by a name it lists, or reissue it with that name)",
    ],
    [
      systemError("CERT_HAS_EXPIRED"),
      "ssl_error",
      "TLS: the certificate of vm.example:8443 has expired or is not valid yet",
    ],
    [
      systemError("ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED"),
      "ssl_error",
      "mTLS: vm.example:8443 refused the TLS handshake: it wants a client certificate it trusts (set tls_cert_file and tls_key_file)",
    ],
    [
      systemError("ECONNRESET", "read ECONNRESET"),
      "connection_error",
      "the connection to vm.example:8443 was closed without an answer — does it demand a client certificate (mTLS)? set tls_cert_file and tls_key_file",
    ],
  ])("explains a wrapped %s", (cause, code, reason) => {
    const outcome = code;
    const kind = code === "ssl_error" ? "TRANSPORT_TLS" : "TRANSPORT_CONNECTION";
    const error = failed({ code: kind, outcome }, new TypeError("fetch failed", { cause }));
    expect(explainTransportError(error, { url, purpose: "write" })).toEqual({ code, reason });
  });

  it.each([
    [
      403,
      "",
      "403 Forbidden: the credentials were accepted but may not use /insert/0:0/prometheus/api/v1/import (check the user's permissions)",
    ],
    [405, "", "405 Method Not Allowed: /insert/0:0/prometheus/api/v1/import does not accept POST (is the path right?)"],
    [
      413,
      "too big",
      "413 Payload Too Large: the request body is too large for the server or a proxy in front of it: too big",
    ],
    [429, "", "429 Too Many Requests: the server is rate-limiting this client"],
    [
      502,
      "<html>bad gateway</html>",
      "502 Bad Gateway: a proxy in front of VictoriaMetrics cannot reach it: <html>bad gateway</html>",
    ],
    [
      503,
      'remoteAddr: "1.2.3.4:5"; requestURI: /api/v1/import?authKey=x; cannot write:  read-only\n',
      "503 Service Unavailable: VictoriaMetrics cannot take the request now (starting, read-only storage or overloaded): cannot write: read-only",
    ],
    [418, "x".repeat(300), `418 I'm a Teapot: ${"x".repeat(200)}...`],
  ])("explains HTTP %i", (status, body, reason) => {
    expect(explainTransportError(http(status, body), { url, purpose: "write" })).toEqual({
      code: String(status),
      status,
      reason,
    });
  });

  it("explains vmauth's 400 for unknown credentials from the transport's flag", () => {
    const error = failed({
      code: "TRANSPORT_HTTP",
      outcome: "400",
      status: 400,
      body: "<scrubbed>",
      credentialError: true,
    });
    expect(explainTransportError(error, { url, purpose: "push" }).reason).toBe(
      "400 Bad Request: the proxy (vmauth) does not know these credentials (wrong bearer_token or user/password)",
    );
  });

  it("explains a timeout with the time waited, an abort, a config error and anything else", () => {
    expect(
      explainTransportError(failed({ code: "TRANSPORT_TIMEOUT", outcome: "timeout" }), {
        url,
        purpose: "health",
        latencyMs: 5001.4,
      }),
    ).toEqual({
      code: "timeout",
      reason:
        "timeout: no answer from vm.example:8443 within 5001 ms (is VictoriaMetrics overloaded or frozen? raise timeout if it is just slow)",
    });
    expect(
      explainTransportError(failed({ code: "TRANSPORT_ABORTED", outcome: "aborted" }), { url, purpose: "health" }).code,
    ).toBe("aborted");
    expect(
      explainTransportError(new TransportConfigError(["only http and https URLs are supported"]), {
        url,
        purpose: "health",
      }),
    ).toEqual({
      code: "config_error",
      reason: "cannot send the request: only http and https URLs are supported",
    });
    expect(
      explainTransportError(new Error("boom at http://u:secret@h/"), { url: "http://u:secret@h/", purpose: "health" }),
    ).toEqual({
      code: "error",
      reason: "request to h:80 failed: boom at http://***@h/",
    });
  });
});
