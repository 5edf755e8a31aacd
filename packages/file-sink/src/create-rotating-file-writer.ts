import { type FileHandle, lstat, mkdir, open, rename, unlink } from "node:fs/promises";
import { dirname } from "node:path";
import { FileSinkError } from "./errors.ts";

/** Options of createRotatingFileWriter. */
export interface RotatingFileWriterOptions {
  /** The file to append to; its parent directories are created. Rotated files are `path.1` (newest) to `path.N`. */
  readonly path: string;
  /** A write that would make the file larger than this goes to a fresh file (a line longer than this gets a file of its own). */
  readonly maxBytes: number;
  /** How many rotated files to keep (`path.1` … `path.maxFiles`); older ones are deleted. 0: none, the full file is deleted. */
  readonly maxFiles: number;
  /** fdatasync after every write, and fsync the directory after a rotation. Default false. */
  readonly fsync?: boolean | undefined;
}

/** An append-only file of lines that rotates by size. */
export interface RotatingFileWriter {
  /**
   * Append complete lines (the chunk must end with `\n`; `""` does nothing). Writes are applied
   * one after the other in call order; a chunk that does not fit in the current file is split
   * between lines, never inside one. Rejects with FileSinkError; later writes still run.
   * Bytes (UTF-8) are written as they are, without a copy: do not change them until the
   * returned promise settles.
   */
  write(chunk: string | Uint8Array): Promise<void>;
  /** Wait for pending writes, fsync (when on) and close the file. Later writes reject. */
  close(): Promise<void>;
}

const NEWLINE = 0x0a;

/**
 * A JSON-lines sink for `class: file`: appends to `path`, rotating to `path.1`, `path.2`...
 * by size like a log file, so that every file holds whole lines and can be imported on its own
 * (`curl --data-binary @file .../api/v1/import`). The file is opened on the first write; a file
 * that exists is appended to, and when its last line is torn (a crash mid-write) a newline is
 * written first so that the torn line does not swallow the next one. One writer per path:
 * other processes appending to the same file are not coordinated.
 */
export function createRotatingFileWriter(options: RotatingFileWriterOptions): RotatingFileWriter {
  const { path, maxBytes, maxFiles } = resolveOptions(options);
  const fsync = options.fsync === true;
  let handle: FileHandle | undefined;
  let size = 0;
  /** The file does not end with a newline: the next write starts with one. */
  let torn = false;
  let closed = false;
  let queue: Promise<void> = Promise.resolve();

  const fail = (action: string, file: string, error: unknown): FileSinkError =>
    error instanceof FileSinkError
      ? error
      : new FileSinkError("FILE_WRITE_FAILED", `cannot ${action} ${file}: ${(error as Error).message}`, {
          cause: error,
          path: file,
        });

  const openFile = async (): Promise<FileHandle> => {
    if (handle) return handle;
    try {
      await mkdir(dirname(path), { recursive: true });
      const opened = await open(path, "a+");
      try {
        size = (await opened.stat()).size;
        torn = false;
        if (size > 0) {
          const last = Buffer.alloc(1);
          await opened.read(last, 0, 1, size - 1);
          torn = last[0] !== NEWLINE;
        }
      } catch (error) {
        await opened.close();
        throw error;
      }
      handle = opened;
      return opened;
    } catch (error) {
      throw fail("open", path, error);
    }
  };

  const closeFile = async (): Promise<void> => {
    const current = handle;
    handle = undefined;
    if (!current) return;
    try {
      if (fsync) await current.datasync();
    } finally {
      await current.close();
    }
  };

  const rotate = async (): Promise<void> => {
    try {
      await closeFile();
    } catch (error) {
      throw fail("close", path, error);
    }
    let step = "";
    try {
      if (maxFiles === 0) {
        step = `delete ${path}`;
        await removeIfPresent(path);
      } else {
        // Shift the run path.1..path.k up by one (k: the rotated files there are, at most maxFiles).
        step = `list the rotated files of ${path}`;
        let last = 0;
        while (last < maxFiles && (await isPresent(`${path}.${last + 1}`))) last++;
        if (last === maxFiles) {
          step = `delete ${path}.${maxFiles}`;
          await unlink(`${path}.${maxFiles}`);
          last--;
        }
        for (let i = last; i >= 1; i--) {
          step = `rename ${path}.${i} to ${path}.${i + 1}`;
          await rename(`${path}.${i}`, `${path}.${i + 1}`);
        }
        step = `rename ${path} to ${path}.1`;
        await rename(path, `${path}.1`);
      }
      if (fsync) {
        step = `fsync the directory of ${path}`;
        await syncDirectory(dirname(path));
      }
    } catch (error) {
      throw new FileSinkError("FILE_WRITE_FAILED", `cannot rotate: ${step}: ${(error as Error).message}`, {
        cause: error,
        path,
      });
    }
    size = 0;
    torn = false;
  };

  /** Append bytes to the current file in full, keeping `size` and `torn` true to the disk. */
  const append = async (bytes: Buffer): Promise<void> => {
    const file = await openFile();
    let offset = 0;
    try {
      while (offset < bytes.length) {
        const { bytesWritten } = await file.write(bytes, offset, bytes.length - offset);
        offset += bytesWritten;
        size += bytesWritten;
      }
      if (fsync) await file.datasync();
    } catch (error) {
      if (offset > 0) torn = bytes[offset - 1] !== NEWLINE;
      throw fail("write", path, error);
    }
  };

  const writeNow = async (chunk: string | Uint8Array): Promise<void> => {
    await openFile();
    const bytes =
      typeof chunk === "string"
        ? Buffer.from(chunk, "utf8")
        : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    if (torn) {
      // Close the torn line first: left alone, it would swallow our first line.
      await append(Buffer.from("\n"));
      torn = false;
    }
    if (size + bytes.length <= maxBytes) {
      await append(bytes);
      return;
    }
    // Whole lines only: as many as fit in the current file (at least one in an empty file), then rotate.
    let start = 0;
    while (start < bytes.length) {
      let end = start;
      while (end < bytes.length) {
        const lineEnd = bytes.indexOf(NEWLINE, end) + 1; // the chunk ends with a newline
        if (size + (lineEnd - start) > maxBytes && !(size === 0 && end === start)) break;
        end = lineEnd;
      }
      if (end === start) {
        await rotate();
      } else {
        await append(bytes.subarray(start, end));
        start = end;
      }
    }
  };

  return {
    write(chunk) {
      if (closed)
        return Promise.reject(new FileSinkError("FILE_SINK_CLOSED", `write after close of ${path}`, { path }));
      const text = typeof chunk === "string";
      if (!text && !(chunk instanceof Uint8Array))
        return Promise.reject(
          new FileSinkError("CHUNK_INVALID", `a chunk must be a string or bytes, got ${typeof chunk}`, { path }),
        );
      const length = text ? chunk.length : chunk.byteLength;
      if (length === 0) return queue;
      if (text ? !chunk.endsWith("\n") : chunk[length - 1] !== NEWLINE)
        return Promise.reject(
          new FileSinkError("CHUNK_INVALID", "a chunk must be complete lines, ending with a newline", { path }),
        );
      const done = queue.then(() => writeNow(chunk));
      queue = done.catch(() => undefined);
      return done;
    },
    async close() {
      if (closed) return queue;
      closed = true;
      await queue;
      try {
        await closeFile();
      } catch (error) {
        throw fail("close", path, error);
      }
    },
  };
}

function resolveOptions(options: RotatingFileWriterOptions): { path: string; maxBytes: number; maxFiles: number } {
  const problems: string[] = [];
  if (typeof options.path !== "string" || options.path === "") problems.push("path must be a non-empty string");
  if (!Number.isSafeInteger(options.maxBytes) || options.maxBytes < 1)
    problems.push(`maxBytes must be a positive integer, got ${String(options.maxBytes)}`);
  if (!Number.isSafeInteger(options.maxFiles) || options.maxFiles < 0)
    problems.push(`maxFiles must be an integer >= 0, got ${String(options.maxFiles)}`);
  if (options.fsync !== undefined && typeof options.fsync !== "boolean") problems.push("fsync must be a boolean");
  if (problems.length > 0)
    throw new FileSinkError("OPTIONS_INVALID", `invalid options: ${problems.join("; ")}`, { problems });
  return options;
}

async function removeIfPresent(file: string): Promise<void> {
  try {
    await unlink(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
}

async function isPresent(file: string): Promise<boolean> {
  try {
    await lstat(file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw error;
  }
}

async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
