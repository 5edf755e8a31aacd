import { TransportConfigError, TransportError } from "./errors.ts";
import { parseTarget, type Target } from "./parse-target.ts";
import { type BodyPreparer, prepareBody } from "./prepare-body.ts";
import { abortedError, type RequestIdentity } from "./request-errors.ts";
import { type ResolvedTransportOptions, validateRetry } from "./resolve-transport-options.ts";
import { basicCredentialForms, scrubSecrets } from "./scrub-secrets.ts";
import type { RequestBody, RequestOptions, RetryOptions } from "./transport-options.ts";

/** One request, checked and ready for its attempts. */
export interface PreparedRequest extends RequestIdentity {
  /** Headers of every attempt; the transport's own `authorization` is added per attempt when absent. */
  readonly headers: Readonly<Record<string, string>>;
  /** Makes the body of each attempt; undefined for a GET. */
  readonly body: BodyPreparer | undefined;
  readonly policy: Required<RetryOptions>;
  readonly timeoutMs: number;
  /** Aborts the request: the caller's signal or `close()`. */
  readonly signal: AbortSignal;
  readonly context: Readonly<Record<string, string>> | undefined;
}

/**
 * Check a request's overrides and URL, merge its headers with the transport's, and encode (and
 * compress) an in-memory body once for all attempts.
 */
export async function prepareRequest(
  resolved: ResolvedTransportOptions,
  closing: AbortSignal,
  method: "GET" | "POST",
  url: string,
  body: RequestBody | undefined,
  options: RequestOptions,
): Promise<PreparedRequest> {
  const target = parseTarget(url);
  const callerHeaders = lowerCaseKeys(options.headers ?? {});
  const callerSecrets = callerAuthorizationSecrets(callerHeaders.authorization);
  const scrub = (text: string): string => scrubSecrets(text, knownSecrets(resolved, target, callerSecrets));
  const policy = { ...resolved.retry, ...options.retry };
  const policyProblems = validateRetry(policy);
  if (policyProblems.length > 0) throw new TransportConfigError(policyProblems);
  const timeoutMs = options.timeoutMs ?? resolved.timeoutMs;
  if (!(timeoutMs > 0) || !Number.isFinite(timeoutMs))
    throw new TransportConfigError([`timeoutMs must be a positive number, got ${timeoutMs}`]);

  const signal = options.signal ? AbortSignal.any([closing, options.signal]) : closing;
  const identity: RequestIdentity = { method, target, closing, scrub };
  if (signal.aborted) throw abortedError(identity, 0);

  const gzip =
    body !== undefined && (options.gzip ?? resolved.gzipByDefault) && callerHeaders["content-encoding"] === undefined;
  let preparer: BodyPreparer | undefined;
  if (body !== undefined) {
    try {
      preparer = await prepareBody(body, gzip ? resolved.gzipLevel : undefined);
    } catch (error) {
      throw new TransportError({
        code: "TRANSPORT_IO",
        outcome: "io_error",
        retryable: false,
        attempts: 0,
        url: target.redacted,
        method,
        message: `${method} ${target.redacted}: cannot encode the request body`,
        cause: error,
      });
    }
  }
  const headers: Record<string, string> = { "user-agent": resolved.userAgent, ...callerHeaders };
  if (preparer) headers["content-type"] ??= options.contentType ?? "application/json";
  if (gzip) headers["content-encoding"] = "gzip";
  return { ...identity, headers, body: preparer, policy, timeoutMs, signal, context: options.context };
}

/** Every secret a message about this request could show, the token files' past tokens included. */
function knownSecrets(resolved: ResolvedTransportOptions, target: Target, extra: readonly string[]): string[] {
  const all = [...resolved.secrets, ...target.secrets, ...extra];
  if (resolved.auth.kind === "bearer-file") all.push(...resolved.auth.source.seen);
  return all;
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
