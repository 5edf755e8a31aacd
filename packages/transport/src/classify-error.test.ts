import { describe, expect, it } from "vitest";
import { classifyError, isSocketClosed } from "./classify-error.ts";
import { classifyStatus } from "./classify-status.ts";
import { TransportError } from "./errors.ts";

/** An error shaped like Node's and undici's (a code on an Error, wrapped in `fetch failed`). */
const fetchFailed = (message: string, code: string, extra: Record<string, unknown> = {}) =>
  new TypeError("fetch failed", { cause: Object.assign(new Error(message), { code, ...extra }) });

describe("classifyError", () => {
  it.each([
    ["connect ECONNREFUSED 127.0.0.1:8428", "ECONNREFUSED"],
    ["getaddrinfo ENOTFOUND vm.invalid", "ENOTFOUND"],
    ["connect EHOSTUNREACH 10.0.0.1:8428", "EHOSTUNREACH"],
    ["read ECONNRESET", "ECONNRESET"],
    ["other side closed", "UND_ERR_SOCKET"],
  ])("%s is a retryable connection_error", (message, code) => {
    expect(classifyError(fetchFailed(message, code))).toMatchObject({
      code: "TRANSPORT_CONNECTION",
      outcome: "connection_error",
      retryable: true,
    });
  });

  it("walks AggregateError members (undici tries every address of a host)", () => {
    const aggregate = new AggregateError(
      [Object.assign(new Error("connect ECONNREFUSED ::1:8428"), { code: "ECONNREFUSED" })],
      "",
    );
    const result = classifyError(new TypeError("fetch failed", { cause: aggregate }));
    expect(result).toMatchObject({ outcome: "connection_error", reason: "connect ECONNREFUSED ::1:8428" });
  });

  it.each([
    "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
    "DEPTH_ZERO_SELF_SIGNED_CERT",
    "SELF_SIGNED_CERT_IN_CHAIN",
    "ERR_TLS_CERT_ALTNAME_INVALID",
    "CERT_HAS_EXPIRED",
    "ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE",
    "ERR_SSL_WRONG_VERSION_NUMBER",
  ])("%s is a permanent ssl_error with a hint", (code) => {
    const result = classifyError(fetchFailed("tls failure", code));
    expect(result).toMatchObject({ code: "TRANSPORT_TLS", outcome: "ssl_error", retryable: false });
    expect(result.hint).toBeTruthy();
  });

  it("points at the client certificate for the alerts a server sends when it refuses ours", () => {
    for (const code of [
      "ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED",
      "ERR_SSL_TLSV1_ALERT_UNKNOWN_CA",
      "ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE",
    ]) {
      expect(classifyError(fetchFailed("alert", code)).hint).toMatch(/client certificate/);
    }
    expect(classifyError(fetchFailed("x", "UNABLE_TO_VERIFY_LEAF_SIGNATURE")).hint).toMatch(/verify_tls/);
  });

  it("shortens OpenSSL's long messages to their reason", () => {
    const message =
      "802CEC7CA07F0000:error:0A00010B:SSL routines:ssl3_get_record:wrong version number:../deps/openssl/ssl/record/ssl3_record.c:350:";
    expect(classifyError(fetchFailed(message, "ERR_SSL_WRONG_VERSION_NUMBER")).reason).toBe(
      "wrong version number (ERR_SSL_WRONG_VERSION_NUMBER)",
    );
  });

  it("recognises timeouts: ours, undici's and the OS's", () => {
    for (const code of [
      "TRANSPORT_ATTEMPT_TIMEOUT",
      "UND_ERR_CONNECT_TIMEOUT",
      "UND_ERR_HEADERS_TIMEOUT",
      "ETIMEDOUT",
    ]) {
      expect(classifyError(fetchFailed("timed out", code))).toMatchObject({
        code: "TRANSPORT_TIMEOUT",
        outcome: "timeout",
        retryable: true,
      });
    }
    expect(classifyError(new DOMException("signal timed out", "TimeoutError"))).toMatchObject({ outcome: "timeout" });
  });

  it("recognises aborts", () => {
    expect(classifyError(new DOMException("This operation was aborted", "AbortError"))).toMatchObject({
      code: "TRANSPORT_ABORTED",
      outcome: "aborted",
      retryable: false,
    });
  });

  it("calls anything else io_error; a failing body source is not retried", () => {
    expect(classifyError(new Error("something odd"))).toMatchObject({
      code: "TRANSPORT_IO",
      outcome: "io_error",
      retryable: true,
      reason: "something odd",
    });
    const source = Object.assign(new Error("the request body source failed", { cause: new Error("disk") }), {
      code: "TRANSPORT_BODY_SOURCE",
    });
    expect(classifyError(new TypeError("fetch failed", { cause: source }))).toMatchObject({
      outcome: "io_error",
      retryable: false,
    });
    expect(classifyError("a string")).toMatchObject({ outcome: "io_error" });
    expect(classifyError(undefined)).toMatchObject({ outcome: "io_error" });
  });

  it("keeps a TransportError's own classification", () => {
    const own = new TransportError({
      code: "TRANSPORT_IO",
      outcome: "io_error",
      retryable: true,
      message: "cannot use bearer_token_file /x: ENOENT",
    });
    expect(classifyError(own)).toEqual({
      code: "TRANSPORT_IO",
      outcome: "io_error",
      retryable: true,
      reason: "cannot use bearer_token_file /x: ENOENT",
    });
  });

  it("tells a connection closed under a request", () => {
    expect(isSocketClosed(fetchFailed("other side closed", "UND_ERR_SOCKET"))).toBe(true);
    expect(isSocketClosed(fetchFailed("read ECONNRESET", "ECONNRESET"))).toBe(true);
    expect(isSocketClosed(fetchFailed("connect ECONNREFUSED", "ECONNREFUSED"))).toBe(false);
  });
});

describe("classifyStatus", () => {
  it("retries 5xx and 429 only", () => {
    for (const status of [500, 502, 503, 504, 429])
      expect(classifyStatus(status, "")).toMatchObject({ outcome: String(status), retryable: true });
    for (const status of [400, 404, 408, 409, 413, 415, 422, 301])
      expect(classifyStatus(status, "")).toMatchObject({ retryable: false });
  });

  it("flags 401/403 and vmauth's 400 for an unknown token as credential errors", () => {
    expect(classifyStatus(401, "")).toMatchObject({ credentialError: true, retryable: false });
    expect(classifyStatus(403, "")).toMatchObject({ credentialError: true });
    expect(
      classifyStatus(
        400,
        'remoteAddr: "127.0.0.1:1"; cannot find the provided auth token "Bearer <redacted>" in config',
      ),
    ).toMatchObject({ credentialError: true });
    expect(classifyStatus(400, "cannot parse JSON line")).toMatchObject({ credentialError: false });
  });

  it("recognises nginx's client-certificate pages", () => {
    expect(classifyStatus(400, "<title>400 No required SSL certificate was sent</title>").hint).toMatch(
      /client certificate/,
    );
    expect(classifyStatus(400, "<title>400 The SSL certificate error</title>").hint).toMatch(/client certificate/);
  });
});
