import { inspect } from "node:util";
import { ATTEMPT_TIMEOUT_CODE, classifyError, CLIENT_CERTIFICATE_HINT, failedBeforeSending, isSocketClosed, type ErrorClassification } from "./classify-error.ts";
import { classifyStatus, type StatusClassification } from "./classify-status.ts";
import { computeBackoff } from "./compute-backoff.ts";
import { createDispatcher } from "./create-dispatcher.ts";
import { TransportConfigError, TransportError } from "./errors.ts";
import { parseRetryAfter } from "./parse-retry-after.ts";
import { prepareBody, type AttemptBody, type BodyPreparer } from "./prepare-body.ts";
import { redactUrl } from "@anomaly-writer/common";
import { resolveTransportOptions, validateRetry } from "./resolve-transport-options.ts";
import { basicCredentialForms, scrubSecrets } from "./scrub-secrets.ts";
import { sendWithFetch } from "./send-with-fetch.ts";
import { sendWithRequest, type AttemptRequest } from "./send-with-request.ts";
import { failedOnReusedSocket } from "./track-socket-reuse.ts";
import type { AttemptInfo, RequestBody, RequestOptions, Transport, TransportOptions, TransportResponse } from "./transport-options.ts";

/** How much of an error response is read, and how much of it an error keeps. */
const ERROR_BODY_READ_LIMIT = 64 * 1024;
const ERROR_BODY_KEEP = 4096;
const MESSAGE_BODY_EXCERPT = 300;

/** The target of one request: the URL without userinfo, and credentials taken from it. */
interface Target {
  readonly href: string;
  readonly https: boolean;
  readonly redacted: string;
  readonly basicHeader?: string;
  readonly secrets: readonly string[];
}

type AttemptOutcome =
  | {
      readonly kind: "response";
      readonly status: number;
      readonly body: string;
      readonly headers: Record<string, string>;
      readonly retryAfter: string | null;
      readonly bytesSent: number;
      readonly durationMs: number;
    }
  | {
      readonly kind: "error";
      readonly error: unknown;
      readonly classification: ErrorClassification;
      readonly bytesSent: number;
      readonly durationMs: number;
    };

/**
 * Create the HTTP client every request of the project goes through, on one undici `Agent` (TLS,
 * mTLS, keep-alive): POST with undici's `request()` (the body sent as is, never copied), GET with
 * ofetch on undici's own `fetch`. It adds basic or bearer auth (a token file is re-read when it
 * changes), a deadline per attempt, the retry policy of spec §4, optional gzip, and a hook per
 * attempt. Secrets never reach errors, hook infos or printed URLs.
 */
export function createTransport(options: TransportOptions = {}): Transport {
  const resolved = resolveTransportOptions(options);
  const { clock, random, onAttempt } = resolved;
  const dispatcher = createDispatcher(resolved);
  const closing = new AbortController();

  const knownSecrets = (target: Target, extra: readonly string[]): string[] => {
    const all = [...resolved.secrets, ...target.secrets, ...extra];
    if (resolved.auth.kind === "bearer-file") all.push(...resolved.auth.source.seen);
    return all;
  };

  const authorization = async (target: Target): Promise<string | undefined> => {
    switch (resolved.auth.kind) {
      case "basic":
      case "bearer":
        return resolved.auth.header;
      case "bearer-file":
        return `Bearer ${await resolved.auth.source.token()}`;
      case "none":
        return target.basicHeader;
    }
  };

  const report = (info: AttemptInfo): void => {
    if (!onAttempt) return;
    try {
      onAttempt(info);
    } catch {
      // A failing metrics hook must not fail the request.
    }
  };

  async function request(method: "GET" | "POST", url: string, body: RequestBody | undefined, requestOptions: RequestOptions): Promise<TransportResponse> {
    const target = parseTarget(url);
    const callerHeaders = lowerCaseKeys(requestOptions.headers ?? {});
    const callerSecrets = callerAuthorizationSecrets(callerHeaders.authorization);
    const scrub = (text: string): string => scrubSecrets(text, knownSecrets(target, callerSecrets));
    const policy = { ...resolved.retry, ...requestOptions.retry };
    const policyProblems = validateRetry(policy);
    if (policyProblems.length > 0) throw new TransportConfigError(policyProblems);
    const timeoutMs = requestOptions.timeoutMs ?? resolved.timeoutMs;
    if (!(timeoutMs > 0) || !Number.isFinite(timeoutMs)) throw new TransportConfigError([`timeoutMs must be a positive number, got ${timeoutMs}`]);

    const signals = [closing.signal, ...(requestOptions.signal ? [requestOptions.signal] : [])];
    const signal = signals.length === 1 ? closing.signal : AbortSignal.any(signals);
    const abortedError = (attempts: number, cause?: unknown): TransportError =>
      new TransportError({
        code: "TRANSPORT_ABORTED",
        outcome: "aborted",
        retryable: false,
        attempts,
        url: target.redacted,
        method,
        message: `${method} ${target.redacted} aborted${closing.signal.aborted ? ": the transport is closed" : ""}`,
        ...(cause !== undefined ? { cause: sanitizeCause(cause, scrub) } : {}),
      });
    if (signal.aborted) throw abortedError(0);

    const gzip = body !== undefined && (requestOptions.gzip ?? resolved.gzipByDefault) && callerHeaders["content-encoding"] === undefined;
    let preparer: BodyPreparer | undefined;
    if (body !== undefined) {
      try {
        preparer = await prepareBody(body, gzip ? resolved.gzipLevel : undefined);
      } catch (error) {
        throw new TransportError({ code: "TRANSPORT_IO", outcome: "io_error", retryable: false, attempts: 0, url: target.redacted, method, message: `${method} ${target.redacted}: cannot encode the request body`, cause: error });
      }
    }

    const headersFor = async (): Promise<Record<string, string>> => {
      const headers: Record<string, string> = { "user-agent": resolved.userAgent, ...callerHeaders };
      if (preparer) headers["content-type"] ??= requestOptions.contentType ?? "application/json";
      if (gzip) headers["content-encoding"] = "gzip";
      if (headers.authorization === undefined) {
        const value = await authorization(target);
        if (value !== undefined) headers.authorization = value;
      }
      return headers;
    };

    const attemptOnce = async (): Promise<AttemptOutcome> => {
      const controller = new AbortController();
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        controller.abort(Object.assign(new Error(`no complete answer within ${timeoutMs} ms`), { name: "TimeoutError", code: ATTEMPT_TIMEOUT_CODE }));
      }, timeoutMs);
      const onAbort = () => controller.abort(signal.reason);
      signal.addEventListener("abort", onAbort, { once: true });
      const startedAt = clock.now();
      let attemptBody: AttemptBody | undefined;
      try {
        const headers = await headersFor();
        attemptBody = preparer?.attempt();
        const attempt: AttemptRequest = {
          method,
          href: target.href,
          headers,
          ...(attemptBody ? { body: attemptBody.body } : {}),
          signal: controller.signal,
          errorBodyLimit: ERROR_BODY_READ_LIMIT,
        };
        // POST bodies (up to several MiB) skip fetch's Request/stream wrapping and its copy of the body.
        const response = method === "POST" ? await sendWithRequest(dispatcher, attempt) : await sendWithFetch(dispatcher, attempt);
        return {
          kind: "response",
          status: response.status,
          body: response.body,
          headers: response.headers,
          retryAfter: response.headers["retry-after"] ?? null,
          bytesSent: attemptBody?.bytesSent() ?? 0,
          durationMs: clock.now() - startedAt,
        };
      } catch (error) {
        let classification: ErrorClassification;
        if (timedOut) {
          classification = { code: "TRANSPORT_TIMEOUT", outcome: "timeout", retryable: true, reason: `no complete answer within ${timeoutMs} ms` };
        } else if (signal.aborted) {
          classification = { code: "TRANSPORT_ABORTED", outcome: "aborted", retryable: false, reason: closing.signal.aborted ? "the transport is closed" : "aborted by the caller" };
        } else {
          classification = classifyError(error);
          if (
            classification.code === "TRANSPORT_CONNECTION" &&
            target.https &&
            classification.hint === undefined &&
            isSocketClosed(error) &&
            !failedOnReusedSocket(error)
          ) {
            classification = { ...classification, hint: `the server closed the TLS connection before answering; ${CLIENT_CERTIFICATE_HINT}` };
          }
        }
        const bytesSent = attemptBody === undefined || failedBeforeSending(error) ? 0 : attemptBody.bytesSent();
        return { kind: "error", error, classification, bytesSent, durationMs: clock.now() - startedAt };
      } finally {
        clearTimeout(timer);
        signal.removeEventListener("abort", onAbort);
      }
    };

    const startedAt = clock.now();
    let wireAttempts = 0;
    let countedFailures = 0;
    let staleRetried = false;
    for (;;) {
      wireAttempts++;
      const outcome = await attemptOnce();
      const base = {
        url: target.redacted,
        method,
        attempt: wireAttempts,
        durationMs: outcome.durationMs,
        bytesSent: outcome.bytesSent,
        ...(requestOptions.context !== undefined ? { context: requestOptions.context } : {}),
      };

      if (outcome.kind === "response" && outcome.status >= 200 && outcome.status <= 299) {
        report({ ...base, code: String(outcome.status), ok: true, willRetry: false, status: outcome.status });
        return {
          status: outcome.status,
          body: outcome.body,
          headers: outcome.headers,
          attempts: wireAttempts,
          bytesSent: outcome.bytesSent,
          durationMs: clock.now() - startedAt,
        };
      }

      if (outcome.kind === "error" && outcome.classification.code === "TRANSPORT_ABORTED") {
        report({ ...base, code: "aborted", ok: false, willRetry: false, reason: scrub(outcome.classification.reason) });
        throw abortedError(wireAttempts, outcome.error);
      }

      // A kept-alive connection the server had closed: one immediate retry, not counted.
      if (
        outcome.kind === "error" &&
        !staleRetried &&
        outcome.classification.code === "TRANSPORT_CONNECTION" &&
        isSocketClosed(outcome.error) &&
        failedOnReusedSocket(outcome.error)
      ) {
        staleRetried = true;
        report({ ...base, code: outcome.classification.outcome, ok: false, willRetry: true, delayMs: 0, staleSocket: true, reason: scrub(outcome.classification.reason) });
        continue;
      }

      countedFailures++;
      const failure = outcome.kind === "response" ? classifyStatus(outcome.status, outcome.body) : outcome.classification;
      const willRetry = failure.retryable && countedFailures < policy.attempts && !signal.aborted;
      const delayMs = willRetry
        ? computeBackoff(countedFailures, {
            ...policy,
            random,
            ...retryAfterOf(outcome, clock.now()),
          })
        : undefined;
      report({
        ...base,
        code: failure.outcome,
        ok: false,
        willRetry,
        ...(delayMs !== undefined ? { delayMs } : {}),
        ...(outcome.kind === "response" ? { status: outcome.status } : {}),
        reason: scrub(outcome.kind === "response" ? `HTTP ${outcome.status}${excerpt(outcome.body, 200)}` : outcome.classification.reason),
      });

      if (!willRetry) {
        throw outcome.kind === "response"
          ? httpError(method, target, outcome.status, outcome.body, failure as StatusClassification, wireAttempts, scrub)
          : networkError(method, target, outcome.error, outcome.classification, wireAttempts, scrub);
      }
      try {
        await clock.sleep(delayMs ?? 0, signal);
      } catch (error) {
        if (signal.aborted) throw abortedError(wireAttempts, error);
        throw error;
      }
      if (signal.aborted) throw abortedError(wireAttempts);
    }
  }

  return {
    post(url, body, requestOptions = {}) {
      return request("POST", url, body, requestOptions);
    },
    get(url, requestOptions = {}) {
      return request("GET", url, undefined, requestOptions);
    },
    async close() {
      if (closing.signal.aborted) return;
      closing.abort(new Error("the transport is closed"));
      await dispatcher.destroy().catch(() => undefined);
    },
  };
}

/** Parse the URL, take its userinfo out (it becomes a basic-auth header), redact it for printing. */
function parseTarget(url: string): Target {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new TransportConfigError([`not a valid URL: ${redactUrl(url)}`]);
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
    throw new TransportConfigError([`only http and https URLs are supported, got ${redactUrl(url)}`]);
  }
  const redacted = redactUrl(parsed.href);
  if (parsed.username === "" && parsed.password === "") {
    return { href: parsed.href, https: parsed.protocol === "https:", redacted, secrets: [] };
  }
  const user = safeDecode(parsed.username);
  const password = safeDecode(parsed.password);
  const secrets = [...basicCredentialForms(user, password), parsed.password, parsed.username !== "" ? `${parsed.username}:${parsed.password}` : ""].filter((s) => s !== "");
  parsed.username = "";
  parsed.password = "";
  return {
    href: parsed.href,
    https: parsed.protocol === "https:",
    redacted,
    basicHeader: `Basic ${Buffer.from(`${user}:${password}`, "utf8").toString("base64")}`,
    secrets,
  };
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

function lowerCaseKeys(headers: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) out[name.toLowerCase()] = value;
  return out;
}

/** A caller-provided Authorization value and its credential part. */
function callerAuthorizationSecrets(value: string | undefined): string[] {
  if (value === undefined || value.trim() === "") return [];
  const secrets = [value.trim()];
  const match = /^\s*(\S+)\s+(.+?)\s*$/.exec(value);
  if (match?.[2]) {
    secrets.push(match[2]);
    if (match[1]?.toLowerCase() === "basic") {
      const decoded = Buffer.from(match[2], "base64").toString("utf8");
      const colon = decoded.indexOf(":");
      if (colon !== -1) secrets.push(...basicCredentialForms(decoded.slice(0, colon), decoded.slice(colon + 1)));
    }
  }
  return secrets;
}

function retryAfterOf(outcome: AttemptOutcome, now: number): { retryAfterMs?: number } {
  if (outcome.kind !== "response") return {};
  const ms = parseRetryAfter(outcome.retryAfter, now);
  return ms === undefined ? {} : { retryAfterMs: ms };
}

/** `": <first n chars, one line>"`, or nothing for an empty body. */
function excerpt(body: string, n: number): string {
  const line = body.replace(/\s+/g, " ").trim();
  if (line === "") return "";
  return `: ${line.length > n ? `${line.slice(0, n)}...` : line}`;
}

function plural(n: number): string {
  return `${n} attempt${n === 1 ? "" : "s"}`;
}

function httpError(
  method: string,
  target: Target,
  status: number,
  rawBody: string,
  classification: StatusClassification,
  attempts: number,
  scrub: (text: string) => string,
): TransportError {
  const body = scrub(rawBody).slice(0, ERROR_BODY_KEEP);
  const hint = classification.hint;
  return new TransportError({
    code: "TRANSPORT_HTTP",
    outcome: classification.outcome,
    status,
    body,
    retryable: classification.retryable,
    credentialError: classification.credentialError,
    attempts,
    url: target.redacted,
    method,
    ...(hint !== undefined ? { hint } : {}),
    message: `${method} ${target.redacted}: HTTP ${status} (${plural(attempts)})${excerpt(body, MESSAGE_BODY_EXCERPT)}${hint !== undefined ? `; ${hint}` : ""}`,
  });
}

function networkError(
  method: string,
  target: Target,
  error: unknown,
  classification: ErrorClassification,
  attempts: number,
  scrub: (text: string) => string,
): TransportError {
  const hint = classification.hint;
  return new TransportError({
    code: classification.code,
    outcome: classification.outcome,
    retryable: classification.retryable,
    attempts,
    url: target.redacted,
    method,
    ...(hint !== undefined ? { hint } : {}),
    message: scrub(`${method} ${target.redacted}: ${classification.outcome} (${plural(attempts)}): ${classification.reason}${hint !== undefined ? `; ${hint}` : ""}`),
    cause: sanitizeCause(error, scrub),
  });
}

/**
 * The innermost error of the chain (the system or TLS error), without ofetch's wrapper that
 * carries the request options (headers included). An error that shows a secret anywhere (its
 * message or any property, e.g. one holding request headers) is replaced by a plain copy of its
 * name, code and scrubbed message.
 */
function sanitizeCause(error: unknown, scrub: (text: string) => string): unknown {
  let root: unknown = error;
  const seen = new Set<unknown>();
  while (typeof root === "object" && root !== null && !seen.has(root)) {
    seen.add(root);
    const record = root as { name?: unknown; cause?: unknown };
    const wrapper = record.name === "FetchError" || (root instanceof TypeError && (root as Error).message === "fetch failed");
    if (!wrapper || record.cause === undefined) break;
    root = record.cause;
  }
  if (root instanceof Error && (scrub(root.message) !== root.message || showsSecret(root, scrub))) {
    const clean = new Error(scrub(root.message)) as Error & { code?: unknown };
    clean.name = root.name;
    clean.code = (root as { code?: unknown }).code;
    return clean;
  }
  return root;
}

/** Whether the printed form of an error (every property, nested causes included) holds a secret. */
function showsSecret(error: Error, scrub: (text: string) => string): boolean {
  const printed = inspect(error, { depth: 10, showHidden: true });
  return scrub(printed) !== printed;
}
