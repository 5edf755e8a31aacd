import * as v from "valibot";
import { ByteSizeSchema } from "./byte-size-schema.ts";
import { refuseUnknownKeys } from "./collect-unknown-keys.ts";
import { crossCheck } from "./cross-check.ts";
import { DurationSchema } from "./duration-schema.ts";
import { createFilePathSchema } from "./file-path-schema.ts";
import { keyPairProblem } from "./key-pair-problem.ts";
import { type ListenAddress, ListenAddressSchema } from "./listen-address-schema.ts";
import { describeValue, integerSchema, sectionGuard, sectionMessage, TextSchema } from "./scalar-field.ts";
import type { SchemaContext } from "./schema-context.ts";
import { resolveToken, TokenSchema, warnAboutPasswordWhitespace } from "./token-schema.ts";

/** One basic auth user of the ingest server. */
export interface IngestServerUser {
  readonly user: string;
  readonly password: string;
}

/**
 * The resolved `ingest_server:` section: how `anomaly-writer serve` listens, authenticates and
 * limits its clients. Our own section (vmanomaly's `server:` is its UI/REST server and is ignored).
 */
export interface IngestServerConfig {
  /** Default `127.0.0.1:8490`. */
  readonly listen: ListenAddress;
  /** A token clients send as `Authorization: Bearer <token>`. */
  readonly bearerToken?: string;
  /** Absolute path of a file with accepted tokens, one per line; re-read when it changes. */
  readonly bearerTokenFile?: string;
  /** Basic auth users; default none. */
  readonly users: readonly IngestServerUser[];
  /** Absolute path of the server certificate (PEM); set together with `tlsKeyFile`: serve HTTPS. */
  readonly tlsCertFile?: string;
  readonly tlsKeyFile?: string;
  /** Absolute path of a CA bundle: clients must present a certificate it signed (mTLS). */
  readonly tlsClientCaFile?: string;
  /** Time allowed to receive a whole request, headers and body (slow clients are cut); default 30 s. */
  readonly timeoutMs: number;
  /** Largest request body, as sent and after gunzip; default 32 MiB. */
  readonly maxBodyBytes: number;
  /** Default 10 000. */
  readonly maxRecordsPerRequest: number;
  /** Output series (records × output variables) per request; default 50 000. */
  readonly maxSeriesPerRequest: number;
  /** Ingest requests handled at once; more get 503 with `Retry-After`. Default 8. */
  readonly maxConcurrentRequests: number;
  /** One log line per request; default true. */
  readonly accessLog: boolean;
}

export const DEFAULT_INGEST_LISTEN: ListenAddress = Object.freeze({ host: "127.0.0.1", port: 8490 });
export const DEFAULT_INGEST_TIMEOUT_MS = 30_000;
export const DEFAULT_MAX_BODY_BYTES = 32 * 1024 * 1024;
export const DEFAULT_MAX_RECORDS_PER_REQUEST = 10_000;
export const DEFAULT_MAX_SERIES_PER_REQUEST = 50_000;
export const DEFAULT_MAX_CONCURRENT_REQUESTS = 8;

const BooleanSchema = v.optional(
  v.pipe(
    v.unknown(),
    v.rawTransform(({ dataset, addIssue, NEVER }): boolean | undefined => {
      const value = dataset.value;
      if (value === null || value === undefined || value === "") return undefined;
      if (typeof value === "boolean") return value;
      const text = typeof value === "string" ? value.trim().toLowerCase() : undefined;
      if (text === "true" || text === "false") return text === "true";
      addIssue({ message: `must be true or false, got ${describeValue(value)}` });
      return NEVER;
    }),
  ),
);

const userEntries = { user: TextSchema, password: TextSchema };
type UserInput = v.InferOutput<v.ObjectSchema<typeof userEntries, undefined>>;

const UserSchema = v.pipe(
  sectionGuard(),
  v.object(userEntries, sectionMessage),
  crossCheck<UserInput>(["user", "password"], (u, report) => {
    if (u.user === undefined) report("user", "is required (missing or empty): the basic auth user name");
    else if (u.user.includes(":")) report("user", "must not contain ':' (basic auth cannot carry it)");
    if (u.password === undefined)
      report("password", "is required (missing or empty): empty passwords are not accepted");
  }),
  v.transform((u): IngestServerUser => ({ user: u.user ?? "", password: u.password ?? "" })),
);

/** `users`: a list of `{user, password}`; an empty value means none. */
const UsersSchema = v.optional(
  v.pipe(
    v.unknown(),
    v.transform((value) => (value === "" || value === null ? undefined : value)),
    v.optional(
      v.pipe(
        v.array(UserSchema, (issue) => `must be a list of {user, password} entries, got ${describeValue(issue.input)}`),
        v.rawCheck(({ dataset, addIssue }) => {
          if (!dataset.typed) return;
          const seen = new Set<string>();
          dataset.value.forEach((entry, index) => {
            if (seen.has(entry.user)) {
              const item: v.ArrayPathItem = {
                type: "array",
                origin: "value",
                input: dataset.value,
                key: index,
                value: entry,
              };
              const key: v.ObjectPathItem = {
                type: "object",
                origin: "value",
                input: { ...entry },
                key: "user",
                value: entry.user,
              };
              addIssue({
                message: `names user "${entry.user}" a second time: each user needs one entry`,
                path: [item, key],
              });
            }
            seen.add(entry.user);
          });
        }),
      ),
    ),
  ),
);

/** The `ingest_server:` section. */
export function createIngestServerSchema(context: SchemaContext) {
  const entries = {
    listen: ListenAddressSchema,
    bearer_token: TokenSchema,
    bearer_token_file: createFilePathSchema(context, "bearer-tokens"),
    users: UsersSchema,
    tls_cert_file: createFilePathSchema(context, "certificate"),
    tls_key_file: createFilePathSchema(context, "private-key"),
    tls_client_ca_file: createFilePathSchema(context, "ca-bundle"),
    timeout: DurationSchema,
    max_body_size: ByteSizeSchema,
    max_records_per_request: integerSchema(1),
    max_series_per_request: integerSchema(1),
    max_concurrent_requests: integerSchema(1),
    access_log: BooleanSchema,
  };
  type IngestServerInput = v.InferOutput<v.ObjectSchema<typeof entries, undefined>>;
  return v.pipe(
    sectionGuard(),
    v.object(entries, sectionMessage),
    // Our own security section: a misspelt key (bearer_tokn) must not leave the endpoint open.
    refuseUnknownKeys<IngestServerInput>(),
    crossCheck<IngestServerInput>(["tls_cert_file", "tls_key_file"], (s, report) => {
      if (s.tls_cert_file !== undefined && s.tls_key_file === undefined) {
        report("tls_cert_file", "is set but tls_key_file is not: the server certificate needs its key");
      }
      if (s.tls_key_file !== undefined && s.tls_cert_file === undefined) {
        report("tls_key_file", "is set but tls_cert_file is not: the server key needs its certificate");
      }
    }),
    crossCheck<IngestServerInput>(["tls_client_ca_file", "tls_cert_file"], (s, report) => {
      if (s.tls_client_ca_file !== undefined && s.tls_cert_file === undefined) {
        report(
          "tls_client_ca_file",
          "needs tls_cert_file and tls_key_file: client certificates are verified only over TLS",
        );
      }
    }),
    crossCheck<IngestServerInput>(["tls_cert_file", "tls_key_file"], (s, report) => {
      if (!context.checkFiles || s.tls_cert_file === undefined || s.tls_key_file === undefined) return;
      const problem = keyPairProblem(s.tls_cert_file, s.tls_key_file, "tls_cert_file");
      if (problem !== undefined) report("tls_key_file", problem);
    }),
    v.transform((s): IngestServerConfig => {
      s.users?.forEach((entry, index) =>
        warnAboutPasswordWhitespace(entry.password, context, ["ingest_server", "users", index, "password"]),
      );
      return {
        listen: s.listen ?? DEFAULT_INGEST_LISTEN,
        ...(s.bearer_token !== undefined && {
          bearerToken: resolveToken(s.bearer_token, context, ["ingest_server", "bearer_token"]),
        }),
        ...(s.bearer_token_file !== undefined && { bearerTokenFile: s.bearer_token_file }),
        users: s.users ?? [],
        ...(s.tls_cert_file !== undefined && { tlsCertFile: s.tls_cert_file }),
        ...(s.tls_key_file !== undefined && { tlsKeyFile: s.tls_key_file }),
        ...(s.tls_client_ca_file !== undefined && { tlsClientCaFile: s.tls_client_ca_file }),
        timeoutMs: s.timeout ?? DEFAULT_INGEST_TIMEOUT_MS,
        maxBodyBytes: s.max_body_size ?? DEFAULT_MAX_BODY_BYTES,
        maxRecordsPerRequest: s.max_records_per_request ?? DEFAULT_MAX_RECORDS_PER_REQUEST,
        maxSeriesPerRequest: s.max_series_per_request ?? DEFAULT_MAX_SERIES_PER_REQUEST,
        maxConcurrentRequests: s.max_concurrent_requests ?? DEFAULT_MAX_CONCURRENT_REQUESTS,
        accessLog: s.access_log ?? true,
      };
    }),
  );
}
