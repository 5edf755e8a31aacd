import { createHash, timingSafeEqual } from "node:crypto";
import type { TokenFileSource } from "./create-token-file-source.ts";

/** Who may call the ingest server. With none of them set, authentication is off. */
export interface AuthCheckerOptions {
  readonly bearerToken?: string;
  /** Tokens from a `bearer_token_file`, re-read on change. */
  readonly tokenFile?: TokenFileSource;
  readonly users?: readonly { readonly user: string; readonly password: string }[];
}

/** The outcome of one check; `user` is the basic auth user name that matched. */
export type AuthResult =
  | { readonly ok: true; readonly user?: string }
  | { readonly ok: false; readonly reason: "missing" | "invalid" };

/** Checks the `Authorization` header of a request. */
export interface AuthChecker {
  readonly enabled: boolean;
  /** `WWW-Authenticate` values for a 401 answer. */
  readonly challenges: readonly string[];
  check(authorization: string | undefined): Promise<AuthResult>;
}

const REALM = 'realm="anomaly-writer"';

/** A fixed-length digest, so that comparing two of them takes the same time whatever the input. */
const digest = (text: string): Buffer => createHash("sha256").update(text, "utf8").digest();

/** True when any of `expected` equals `given`; every candidate is compared (no early exit), in constant time each. */
function matchesAny(given: string, expected: readonly Buffer[]): boolean {
  const candidate = digest(given);
  let found = false;
  for (const item of expected) found = timingSafeEqual(candidate, item) || found;
  return found;
}

/**
 * The ingest server's credential check: bearer tokens (inline and/or from a file) and basic auth
 * users; a request passes with any one valid credential. Secrets are compared as SHA-256 digests
 * with `crypto.timingSafeEqual`.
 */
export function createAuthChecker(options: AuthCheckerOptions): AuthChecker {
  const inlineTokens = options.bearerToken === undefined ? [] : [digest(options.bearerToken)];
  const users = (options.users ?? []).map((u) => ({
    name: u.user,
    user: digest(u.user),
    password: digest(u.password),
  }));
  const bearer = inlineTokens.length > 0 || options.tokenFile !== undefined;
  const basic = users.length > 0;
  const challenges = [...(bearer ? [`Bearer ${REALM}`] : []), ...(basic ? [`Basic ${REALM}, charset="UTF-8"`] : [])];

  // The file source hands out the same array until the file changes: digest each version once.
  const fileDigests = new WeakMap<readonly string[], readonly Buffer[]>();
  const checkBearer = async (token: string): Promise<boolean> => {
    let fromFile: readonly Buffer[] = [];
    if (options.tokenFile !== undefined) {
      const tokens = await options.tokenFile.tokens();
      fromFile = fileDigests.get(tokens) ?? tokens.map(digest);
      fileDigests.set(tokens, fromFile);
    }
    return matchesAny(token, [...inlineTokens, ...fromFile]);
  };

  const checkBasic = (encoded: string): string | undefined => {
    const decoded = Buffer.from(encoded, "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    if (colon === -1) return undefined;
    const user = digest(decoded.slice(0, colon));
    const password = digest(decoded.slice(colon + 1));
    let matched: string | undefined;
    for (const u of users) {
      const userOk = timingSafeEqual(user, u.user);
      const passwordOk = timingSafeEqual(password, u.password);
      if (userOk && passwordOk) matched ??= u.name;
    }
    return matched;
  };

  return {
    enabled: bearer || basic,
    challenges,
    async check(authorization) {
      const header = authorization?.trim() ?? "";
      if (header === "") return { ok: false, reason: "missing" };
      const space = header.indexOf(" ");
      const scheme = (space === -1 ? header : header.slice(0, space)).toLowerCase();
      const value = space === -1 ? "" : header.slice(space + 1).trim();
      if (value === "") return { ok: false, reason: "invalid" };
      if (scheme === "bearer" && bearer && (await checkBearer(value))) return { ok: true };
      if (scheme === "basic" && basic) {
        const user = checkBasic(value);
        if (user !== undefined) return { ok: true, user };
      }
      return { ok: false, reason: "invalid" };
    },
  };
}
