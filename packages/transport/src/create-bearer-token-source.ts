import { createFileReloader, type FileSnapshot } from "@anomaly-writer/common";
import { TransportError } from "./errors.ts";

/** The current token of a `bearer_token_file`, re-read when the file changes. */
export interface BearerTokenSource {
  /** The token (surrounding whitespace trimmed); the file is read again when its size, mtime or inode changed. */
  token(): Promise<string>;
  /** Every token read so far (for scrubbing echoes of an old token). */
  readonly seen: ReadonlySet<string>;
}

/**
 * Read a bearer token from `path` on demand. One `stat` per call tells whether the file changed
 * (rotation by rewrite or by rename); the content is read only then (`createFileReloader`).
 */
export function createBearerTokenSource(path: string): BearerTokenSource {
  const seen = new Set<string>();
  const file = createFileReloader(path);
  let parsed: { snapshot: FileSnapshot; token: string } | undefined;

  const fail = (what: string, cause?: unknown): never => {
    throw new TransportError({
      code: "TRANSPORT_IO",
      outcome: "io_error",
      retryable: true,
      message: `cannot use bearer_token_file ${path}: ${what}`,
      hint: "check bearer_token_file",
      ...(cause !== undefined ? { cause } : {}),
    });
  };

  return {
    seen,
    async token() {
      let snapshot: FileSnapshot;
      try {
        snapshot = await file.read();
      } catch (error) {
        return fail(describeFsError(error), error);
      }
      if (parsed?.snapshot === snapshot) return parsed.token;
      const token = snapshot.text.trim();
      if (token === "") return fail("the file is empty");
      if (/[\r\n]/.test(token)) return fail("the token spans several lines");
      seen.add(token);
      parsed = { snapshot, token };
      return token;
    },
  };
}

function describeFsError(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : error instanceof Error ? error.message : String(error);
}
