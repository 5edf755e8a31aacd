import type * as v from "valibot";
import { crossCheck } from "./cross-check.ts";
import { DurationSchema } from "./duration-schema.ts";
import { createFilePathSchema } from "./file-path-schema.ts";
import { keyPairProblem } from "./key-pair-problem.ts";
import type { KeyPath } from "./parse-yaml.ts";
import { TextSchema } from "./scalar-field.ts";
import type { SchemaContext } from "./schema-context.ts";
import { resolveToken, TokenSchema, warnAboutPasswordWhitespace } from "./token-schema.ts";
import { createVerifyTlsSchema } from "./verify-tls-schema.ts";

/** HTTP client settings shared by `writer` and `monitoring.push`. */
export interface HttpClientConfig {
  /** Basic auth user; `""` when only a password is given. */
  readonly user?: string;
  /** Basic auth password; unset means an empty password when `user` is set. */
  readonly password?: string;
  readonly bearerToken?: string;
  /** Absolute path; the token file is re-read when it changes. */
  readonly bearerTokenFile?: string;
  /** Per-request timeout; default 5000. */
  readonly timeoutMs: number;
  /** `true` (default: system CAs), `false` (no verification) or an absolute CA bundle path. */
  readonly verifyTls: boolean | string;
  /** Absolute path of the client certificate (mTLS); always set together with `tlsKeyFile`. */
  readonly tlsCertFile?: string;
  readonly tlsKeyFile?: string;
}

export const DEFAULT_TIMEOUT_MS = 5000;

/** The valibot entries of the HTTP client keys, to spread into a section's `v.object`. */
export function createHttpClientEntries(context: SchemaContext) {
  return {
    user: TextSchema,
    password: TextSchema,
    bearer_token: TokenSchema,
    bearer_token_file: createFilePathSchema(context, "bearer-token"),
    timeout: DurationSchema,
    verify_tls: createVerifyTlsSchema(context),
    tls_cert_file: createFilePathSchema(context, "certificate"),
    tls_key_file: createFilePathSchema(context, "private-key"),
  };
}

type HttpClientEntries = ReturnType<typeof createHttpClientEntries>;
/** The HTTP client keys after validation (snake_case, before defaults). */
export type HttpClientInput = v.InferOutput<v.ObjectSchema<HttpClientEntries, undefined>>;

/**
 * The checks across HTTP client keys, to put in a section's `v.pipe` after its `v.object`. With
 * `context.checkFiles`, the client certificate and key must match.
 */
export function createHttpClientChecks<T extends HttpClientInput>(context?: SchemaContext) {
  return [
    crossCheck<T>(["tls_cert_file", "tls_key_file"], (s, report) => {
      if (s.tls_cert_file !== undefined && s.tls_key_file === undefined) {
        report("tls_cert_file", "is set but tls_key_file is not: a client certificate needs its key");
      }
      if (s.tls_key_file !== undefined && s.tls_cert_file === undefined) {
        report("tls_key_file", "is set but tls_cert_file is not: a client key needs its certificate");
      }
    }),
    crossCheck<T>(["tls_cert_file", "tls_key_file"], (s, report) => {
      if (context?.checkFiles !== true || s.tls_cert_file === undefined || s.tls_key_file === undefined) return;
      const problem = keyPairProblem(s.tls_cert_file, s.tls_key_file, "tls_cert_file");
      if (problem !== undefined) report("tls_key_file", problem);
    }),
    crossCheck<T>(["bearer_token", "bearer_token_file"], (s, report) => {
      if (s.bearer_token !== undefined && s.bearer_token_file !== undefined) {
        report("bearer_token_file", "cannot be used together with bearer_token: set only one of them");
      }
    }),
    crossCheck<T>(["user", "password", "bearer_token"], (s, report) => {
      if ((s.user !== undefined || s.password !== undefined) && s.bearer_token !== undefined) {
        report("bearer_token", "cannot be combined with user/password (basic auth): use one way to authenticate");
      }
    }),
    crossCheck<T>(["user", "password", "bearer_token_file"], (s, report) => {
      if ((s.user !== undefined || s.password !== undefined) && s.bearer_token_file !== undefined) {
        report("bearer_token_file", "cannot be combined with user/password (basic auth): use one way to authenticate");
      }
    }),
  ] as const;
}

/** Applies defaults and camelCases the HTTP client keys of a valid section at `path`. */
export function resolveHttpClientConfig(
  input: HttpClientInput,
  context: SchemaContext,
  path: KeyPath,
): HttpClientConfig {
  if (input.password !== undefined && input.user === undefined) {
    context.warn({
      path: [...path, "password"],
      kind: "password-without-user",
      message: "is set without user: basic auth is sent with an empty user name",
      preferKey: true,
    });
  }
  if (input.password !== undefined) warnAboutPasswordWhitespace(input.password, context, [...path, "password"]);
  const user = input.user ?? (input.password !== undefined ? "" : undefined);
  return {
    ...(user !== undefined && { user }),
    ...(input.password !== undefined && { password: input.password }),
    ...(input.bearer_token !== undefined && {
      bearerToken: resolveToken(input.bearer_token, context, [...path, "bearer_token"]),
    }),
    ...(input.bearer_token_file !== undefined && { bearerTokenFile: input.bearer_token_file }),
    timeoutMs: input.timeout ?? DEFAULT_TIMEOUT_MS,
    verifyTls: input.verify_tls ?? true,
    ...(input.tls_cert_file !== undefined && { tlsCertFile: input.tls_cert_file }),
    ...(input.tls_key_file !== undefined && { tlsKeyFile: input.tls_key_file }),
  };
}
