import { readFile, stat } from "node:fs/promises";

/** One reading of a watched file. */
export interface FileSnapshot {
  /** What identifies this version of the file: inode, size, mtime and ctime. */
  readonly key: string;
  readonly text: string;
}

/** A file read again only when it changed (see {@link createFileReloader}). */
export interface FileReloader {
  /**
   * The file's current content. The same snapshot object comes back while the file is unchanged,
   * so a caller can keep what it parsed from it. Rejects with the file system error (its `code`:
   * `ENOENT`, `EACCES`...) when the file cannot be read.
   */
  read(): Promise<FileSnapshot>;
}

/** Options of {@link createFileReloader}. */
export interface FileReloaderOptions {
  /** Wall clock in Unix milliseconds; default `Date.now`. */
  readonly now?: () => number;
}

/**
 * File timestamps advance in coarse steps (a few ms): a rewrite of the same size right after a
 * read can keep the same stat. Like git's "racy clean" check, a file read within this long after
 * its mtime is read again until its mtime is older than that.
 */
const RACY_MS = 2000;

/**
 * Follow a file that is rewritten or replaced by a rename while it is in use (a rotated token
 * file): one `stat` per `read()`, the content read only when the file changed. Concurrent reads
 * share one.
 */
export function createFileReloader(path: string, options: FileReloaderOptions = {}): FileReloader {
  const now = options.now ?? Date.now;
  let cached: { snapshot: FileSnapshot; racy: boolean } | undefined;
  let pending: Promise<FileSnapshot> | undefined;

  const load = async (): Promise<FileSnapshot> => {
    const info = await stat(path, { bigint: true });
    const key = `${info.ino}:${info.size}:${info.mtimeNs}:${info.ctimeNs}`;
    if (cached?.snapshot.key === key && !cached.racy) return cached.snapshot;
    const racy = now() - Number(info.mtimeNs / 1_000_000n) < RACY_MS;
    const text = await readFile(path, "utf8");
    const snapshot = cached?.snapshot.key === key && cached.snapshot.text === text ? cached.snapshot : { key, text };
    cached = { snapshot, racy };
    return snapshot;
  };

  return {
    read() {
      pending ??= load().finally(() => {
        pending = undefined;
      });
      return pending;
    },
  };
}
