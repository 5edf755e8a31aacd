import { readFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { createSecureContext } from "node:tls";
import { DEFAULT_RETRY } from "./compute-backoff.ts";
import { type BearerTokenSource, createBearerTokenSource } from "./create-bearer-token-source.ts";
import { TransportConfigError } from "./errors.ts";
import { basicCredentialForms } from "./scrub-secrets.ts";
import type { AttemptInfo, RetryOptions, TransportClock, TransportOptions } from "./transport-options.ts";

/** How requests authenticate. */
export type ResolvedAuth =
  | { readonly kind: "none" }
  | { readonly kind: "basic"; readonly header: string }
  | { readonly kind: "bearer"; readonly header: string }
  | { readonly kind: "bearer-file"; readonly source: BearerTokenSource };

/** TLS material for the connector (files read once, at creation). */
export interface ResolvedTls {
  readonly rejectUnauthorized: boolean;
  readonly ca?: Buffer;
  readonly cert?: Buffer;
  readonly key?: Buffer;
}

/** {@link TransportOptions} after defaults and validation. */
export interface ResolvedTransportOptions {
  readonly auth: ResolvedAuth;
  /** Secrets known at creation (password, `user:password` in base64, bearer token). */
  readonly secrets: readonly string[];
  readonly tls: ResolvedTls;
  readonly hasClientCertificate: boolean;
  readonly timeoutMs: number;
  readonly retry: Required<RetryOptions>;
  /** gzip level when compression is on by default, else undefined. */
  readonly gzipLevel: number;
  readonly gzipByDefault: boolean;
  readonly keepAlive: boolean;
  readonly maxConnections: number | undefined;
  readonly onAttempt: ((info: AttemptInfo) => void) | undefined;
  readonly clock: TransportClock;
  readonly random: () => number;
  readonly userAgent: string;
}

export const DEFAULT_TIMEOUT_MS = 5000;
export const DEFAULT_USER_AGENT = "anomaly-writer-transport/0.1";

/** The default clock: `Date.now()` and a timer that an `AbortSignal` cancels. */
export const systemClock: TransportClock = {
  now: () => Date.now(),
  sleep: (ms, signal) => sleep(ms, undefined, signal ? { signal } : {}),
};

/** Apply defaults, validate, and read the TLS files; every problem is listed in one {@link TransportConfigError}. */
export function resolveTransportOptions(options: TransportOptions = {}): ResolvedTransportOptions {
  const problems: string[] = [];
  const { auth, secrets } = resolveAuth(options, problems);
  const tls = resolveTls(options, problems);

  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  if (!(timeoutMs > 0) || !Number.isFinite(timeoutMs))
    problems.push(`timeoutMs must be a positive number of milliseconds, got ${timeoutMs}`);

  const retry = { ...DEFAULT_RETRY, ...options.retry };
  problems.push(...validateRetry(retry));

  const gzipLevel = typeof options.gzip === "object" ? (options.gzip.level ?? 1) : 1;
  if (!Number.isInteger(gzipLevel) || gzipLevel < -1 || gzipLevel > 9)
    problems.push(`gzip level must be an integer from -1 to 9, got ${gzipLevel}`);

  if (
    options.maxConnections !== undefined &&
    (!Number.isInteger(options.maxConnections) || options.maxConnections < 1)
  ) {
    problems.push(`maxConnections must be a positive integer, got ${options.maxConnections}`);
  }
  if (options.userAgent !== undefined && /[\r\n]/.test(options.userAgent)) problems.push("userAgent must be one line");

  if (problems.length > 0) throw new TransportConfigError(problems);

  return {
    auth,
    secrets,
    tls,
    hasClientCertificate: tls.cert !== undefined && tls.key !== undefined,
    timeoutMs,
    retry,
    gzipLevel,
    gzipByDefault: options.gzip !== undefined && options.gzip !== false,
    keepAlive: options.keepAlive ?? true,
    maxConnections: options.maxConnections,
    onAttempt: options.hooks?.onAttempt,
    clock: options.clock ?? systemClock,
    random: options.random ?? Math.random,
    userAgent: options.userAgent ?? DEFAULT_USER_AGENT,
  };
}

/** Basic or bearer auth (exclusive), and the secrets known at creation; problems are appended to `problems`. */
function resolveAuth(options: TransportOptions, problems: string[]): { auth: ResolvedAuth; secrets: string[] } {
  const hasBasic = options.user !== undefined || options.password !== undefined;
  const hasBearer = options.bearerToken !== undefined || options.bearerTokenFile !== undefined;
  if (options.bearerToken !== undefined && options.bearerTokenFile !== undefined) {
    problems.push("bearerToken and bearerTokenFile are exclusive (bearer_token / bearer_token_file): set one");
  }
  if (hasBasic && hasBearer) problems.push("basic auth (user/password) and a bearer token are exclusive: set one");
  if (options.password !== undefined && options.user === undefined) problems.push("password is set without user");
  if (options.bearerToken !== undefined && options.bearerToken.trim() === "") problems.push("bearerToken is empty");
  if (options.bearerToken !== undefined && /[\r\n]/.test(options.bearerToken.trim()))
    problems.push("bearerToken must be one line");
  if (options.user !== undefined && /[\r\n:]/.test(options.user)) problems.push("user must be one line without ':'");

  if (options.user !== undefined) {
    const password = options.password ?? "";
    const header = `Basic ${Buffer.from(`${options.user}:${password}`, "utf8").toString("base64")}`;
    return { auth: { kind: "basic", header }, secrets: basicCredentialForms(options.user, password) };
  }
  if (options.bearerToken !== undefined) {
    const token = options.bearerToken.trim();
    return { auth: { kind: "bearer", header: `Bearer ${token}` }, secrets: [token] };
  }
  if (options.bearerTokenFile !== undefined) {
    return { auth: { kind: "bearer-file", source: createBearerTokenSource(options.bearerTokenFile) }, secrets: [] };
  }
  return { auth: { kind: "none" }, secrets: [] };
}

/** Read and check the CA bundle and client certificate (PEM, usable together); problems are appended to `problems`. */
function resolveTls(options: TransportOptions, problems: string[]): ResolvedTls {
  const readPem = (what: string, path: string): Buffer | undefined => {
    try {
      return readFileSync(path);
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      problems.push(`${what}: cannot read ${path} (${typeof code === "string" ? code : String(error)})`);
      return undefined;
    }
  };

  const verifyTls = options.verifyTls ?? true;
  let ca: Buffer | undefined;
  if (typeof verifyTls === "string") {
    if (verifyTls.trim() === "") problems.push("verifyTls (verify_tls) is an empty path");
    else ca = readPem("verifyTls (verify_tls) CA bundle", verifyTls);
  }
  if ((options.tlsCertFile === undefined) !== (options.tlsKeyFile === undefined)) {
    problems.push("tlsCertFile and tlsKeyFile (tls_cert_file / tls_key_file) go together: set both or neither");
  }
  const cert =
    options.tlsCertFile !== undefined && options.tlsKeyFile !== undefined
      ? readPem("tlsCertFile (tls_cert_file)", options.tlsCertFile)
      : undefined;
  const key =
    options.tlsCertFile !== undefined && options.tlsKeyFile !== undefined
      ? readPem("tlsKeyFile (tls_key_file)", options.tlsKeyFile)
      : undefined;
  const problemsBeforePem = problems.length;
  if (ca !== undefined && !ca.includes("-----BEGIN CERTIFICATE-----"))
    problems.push(`verifyTls (verify_tls) ${String(verifyTls)} holds no PEM certificate`);
  if (cert !== undefined && !cert.includes("-----BEGIN CERTIFICATE-----"))
    problems.push(`tlsCertFile (tls_cert_file) ${options.tlsCertFile} holds no PEM certificate`);
  if (key !== undefined && !/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(key.toString("latin1")))
    problems.push(`tlsKeyFile (tls_key_file) ${options.tlsKeyFile} holds no PEM private key`);
  if (problems.length === problemsBeforePem && (ca !== undefined || (cert !== undefined && key !== undefined))) {
    try {
      createSecureContext({ ...(ca ? { ca } : {}), ...(cert && key ? { cert, key } : {}) });
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      problems.push(`TLS files are not usable PEM (verify_tls / tls_cert_file / tls_key_file): ${reason}`);
    }
  }
  return {
    rejectUnauthorized: verifyTls !== false,
    ...(ca ? { ca } : {}),
    ...(cert && key ? { cert, key } : {}),
  };
}

/** Problems of a retry policy (also used for per-request overrides). */
export function validateRetry(retry: Required<RetryOptions>): string[] {
  const problems: string[] = [];
  const { attempts, baseDelayMs, maxDelayMs, jitter } = retry;
  if (!(attempts >= 1) || (!Number.isInteger(attempts) && attempts !== Infinity)) {
    problems.push(`retry.attempts must be an integer >= 1 (or Infinity), got ${attempts}`);
  }
  if (!(baseDelayMs >= 0) || !Number.isFinite(baseDelayMs))
    problems.push(`retry.baseDelayMs must be >= 0, got ${baseDelayMs}`);
  if (!(maxDelayMs >= 0) || !Number.isFinite(maxDelayMs))
    problems.push(`retry.maxDelayMs must be >= 0, got ${maxDelayMs}`);
  if (!(jitter >= 0 && jitter <= 1)) problems.push(`retry.jitter must be between 0 and 1, got ${jitter}`);
  return problems;
}
