import { readFile, stat } from "node:fs/promises";

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

/**
 * File timestamps advance in coarse steps (a few ms): a rewrite of the same size right after a
 * read can keep the same stat. Like git's "racy clean" check, a file read within this long after
 * its mtime is read again until its mtime is older than that.
 */
const RACY_MS = 2000;

/** Read the tokens of `path` on demand: one `stat` per call, a read only when the file changed. */
export function createTokenFileSource(path: string, options: TokenFileSourceOptions = {}): TokenFileSource {
  const now = options.now ?? Date.now;
  let cached: { key: string; tokens: readonly string[]; racy?: boolean } | undefined;
  let pending: Promise<readonly string[]> | undefined;

  const problem = (key: string, message: string): readonly string[] => {
    if (cached?.key !== key) options.onProblem?.(`bearer_token_file ${path}: ${message}; bearer tokens are refused until it is fixed`);
    cached = { key, tokens: [] };
    return [];
  };

  const load = async (): Promise<readonly string[]> => {
    let key: string;
    let mtimeMs: number;
    try {
      const info = await stat(path, { bigint: true });
      key = `${info.ino}:${info.size}:${info.mtimeNs}:${info.ctimeNs}`;
      mtimeMs = Number(info.mtimeNs / 1_000_000n);
    } catch (error) {
      return problem(`error:${codeOf(error)}`, `cannot be read (${codeOf(error)})`);
    }
    if (cached?.key === key && cached.racy !== true) return cached.tokens;
    const racy = now() - mtimeMs < RACY_MS;
    let text: string;
    try {
      text = await readFile(path, "utf8");
    } catch (error) {
      return problem(key, `cannot be read (${codeOf(error)})`);
    }
    const tokens = text.split("\n").map((line) => line.trim()).filter((line) => line !== "");
    if (tokens.length === 0) return problem(key, "is empty");
    // Keep the same array while the tokens are the same (the auth check caches their digests by it).
    const same = cached !== undefined && cached.tokens.length === tokens.length && cached.tokens.every((t, i) => t === tokens[i]);
    cached = { key, tokens: same && cached ? cached.tokens : tokens, racy };
    return cached.tokens;
  };

  return {
    tokens() {
      pending ??= load().finally(() => {
        pending = undefined;
      });
      return pending;
    },
  };
}

function codeOf(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : error instanceof Error ? error.message : String(error);
}
