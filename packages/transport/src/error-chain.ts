/** One error of a `cause` chain (or of an `AggregateError`), with what classification needs. */
export interface ChainLink {
  readonly error: unknown;
  readonly name: string;
  readonly code: string;
  readonly message: string;
}

/**
 * The error, its `cause`s and the members of `AggregateError`s (undici tries every address of a
 * host and wraps the failures), outermost first, at most 16.
 */
export function errorChain(error: unknown): ChainLink[] {
  const links: ChainLink[] = [];
  const seen = new Set<unknown>();
  const queue: unknown[] = [error];
  while (queue.length > 0 && links.length < 16) {
    const current = queue.shift();
    if (current === undefined || current === null || seen.has(current)) continue;
    seen.add(current);
    if (typeof current !== "object") {
      links.push({ error: current, name: "", code: "", message: String(current) });
      continue;
    }
    const record = current as { name?: unknown; code?: unknown; message?: unknown; cause?: unknown; errors?: unknown };
    links.push({
      error: current,
      name: typeof record.name === "string" ? record.name : "",
      code: typeof record.code === "string" ? record.code : "",
      message: typeof record.message === "string" ? record.message : "",
    });
    if (record.cause !== undefined) queue.push(record.cause);
    if (Array.isArray(record.errors)) queue.push(...(record.errors as unknown[]));
  }
  return links;
}
