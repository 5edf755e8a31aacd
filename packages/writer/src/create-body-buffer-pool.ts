/** Request bodies start this small and double as they fill (a batch of a rare query stays small). */
const FIRST_BUFFER_BYTES = 64 * 1024;

/**
 * Reusable request-body buffers: each batch encodes its records straight into one, the request
 * sends a view of it, and the buffer comes back when the request settles (retries included).
 * No body string, no join, no copy per request, and no dead multi-megabyte buffers for the GC.
 */
export interface BodyBufferPool {
  /** A buffer of at least `minBytes` (at most `maxBytes` are ever needed). */
  take(minBytes: number): Buffer;
  /** A buffer of at least `needed` bytes holding the first `used` bytes of `buffer`; `buffer` goes back to the pool. */
  grow(buffer: Buffer, used: number, needed: number): Buffer;
  /** Give a buffer back once nothing reads it any more. */
  release(buffer: Buffer): void;
}

/** Create a pool of body buffers of at most `maxBytes`, keeping at most `keep` idle ones. */
export function createBodyBufferPool(maxBytes: number, keep: number): BodyBufferPool {
  const idle: Buffer[] = [];

  const allocate = (minBytes: number): Buffer => {
    let size = Math.min(FIRST_BUFFER_BYTES, maxBytes);
    while (size < minBytes) size *= 2;
    return Buffer.allocUnsafeSlow(Math.max(minBytes, Math.min(size, maxBytes)));
  };

  const take = (minBytes: number): Buffer => {
    // The largest idle buffer serves best: idle is kept sorted by size, largest last.
    const largest = idle.at(-1);
    if (largest !== undefined && largest.length >= minBytes) return idle.pop() as Buffer;
    return allocate(minBytes);
  };

  const release = (buffer: Buffer): void => {
    let i = idle.length;
    while (i > 0 && (idle[i - 1] as Buffer).length > buffer.length) i--;
    idle.splice(i, 0, buffer);
    // Over the limit, the smallest go.
    if (idle.length > keep) idle.shift();
  };

  return {
    take,
    grow(buffer, used, needed) {
      const next = take(Math.max(needed, Math.min(buffer.length * 2, maxBytes)));
      buffer.copy(next, 0, 0, used);
      release(buffer);
      return next;
    },
    release,
  };
}
