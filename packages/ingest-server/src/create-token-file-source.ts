import { createFileReloader, type FileSnapshot } from "@anomaly-writer/common";

/** The tokens of a `bearer_token_file`, re-read when the file changes. */
export interface TokenFileSource {
  /**
   * The accepted tokens (one per non-empty line, surrounding whitespace trimmed). The file is
   * read again when its inode, size, mtime or ctime changed. A file that cannot be read or is
   * empty gives no tokens (requests are refused) and one `onProblem` call until it changes.
   */
  tokens(): Promise<readonly string[]>;
}

/** Options of {@link createTokenFileSource}. */
export interface TokenFileSourceOptions {
  /** Told once per change of the file when it cannot be used; the message never holds a token. */
  readonly onProblem?: (message: string) => void;
  /** Wall clock in Unix milliseconds; default `Date.now`. */
  readonly now?: () => number;
}

/** Read the tokens of `path` on demand: one `stat` per call, a read only when the file changed (`createFileReloader`). */
export function createTokenFileSource(path: string, options: TokenFileSourceOptions = {}): TokenFileSource {
  const file = createFileReloader(path, options.now ? { now: options.now } : {});
  let cached: { key: string; snapshot?: FileSnapshot; tokens: readonly string[] } | undefined;

  const problem = (key: string, message: string): readonly string[] => {
    if (cached?.key !== key)
      options.onProblem?.(`bearer_token_file ${path}: ${message}; bearer tokens are refused until it is fixed`);
    cached = { key, tokens: [] };
    return [];
  };

  return {
    async tokens() {
      let snapshot: FileSnapshot;
      try {
        snapshot = await file.read();
      } catch (error) {
        return problem(`error:${codeOf(error)}`, `cannot be read (${codeOf(error)})`);
      }
      if (cached?.snapshot === snapshot) return cached.tokens;
      const tokens = snapshot.text
        .split("\n")
        .map((line) => line.trim())
        .filter((line) => line !== "");
      if (tokens.length === 0) return problem(snapshot.key, "is empty");
      // Keep the same array while the tokens are the same (the auth check caches their digests by it).
      const same =
        cached !== undefined &&
        cached.tokens.length === tokens.length &&
        cached.tokens.every((t, i) => t === tokens[i]);
      cached = { key: snapshot.key, snapshot, tokens: same && cached ? cached.tokens : tokens };
      return cached.tokens;
    },
  };
}

function codeOf(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : error instanceof Error ? error.message : String(error);
}
