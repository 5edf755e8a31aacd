import { Readable } from "node:stream";
import { promisify } from "node:util";
import { createGzip, gzip as gzipCallback } from "node:zlib";
import { BODY_SOURCE_CODE } from "./classify-error.ts";
import type { RequestBody } from "./transport-options.ts";

const gzipAsync = promisify(gzipCallback);

/** The body of one attempt. */
export interface AttemptBody {
  /** What is sent: the prepared bytes (the same ones on every attempt), or an async iterable streamed as it is pulled. */
  readonly body: Uint8Array | AsyncIterable<Uint8Array>;
  /** Bytes handed to the connection so far (all of them for an in-memory body). */
  bytesSent(): number;
}

/** Makes the body of each attempt; an in-memory body is encoded (and compressed) once for all attempts. */
export interface BodyPreparer {
  attempt(): AttemptBody;
}

/** Prepare a request body: strings are UTF-8, gzip (when `level` is set) streams a factory's chunks through zlib. */
export async function prepareBody(body: RequestBody, gzipLevel: number | undefined): Promise<BodyPreparer> {
  if (typeof body === "function") {
    return { attempt: () => streamAttempt(body, gzipLevel) };
  }
  const raw = typeof body === "string" ? Buffer.from(body, "utf8") : body;
  const payload: Uint8Array = gzipLevel === undefined ? raw : await gzipAsync(raw, { level: gzipLevel });
  return { attempt: () => ({ body: payload, bytesSent: () => payload.byteLength }) };
}

function streamAttempt(factory: () => AsyncIterable<Uint8Array | string>, gzipLevel: number | undefined): AttemptBody {
  let sent = 0;
  const chunks = sourceChunks(factory);
  const compressed = gzipLevel === undefined ? chunks : compress(chunks, gzipLevel);
  async function* counted(): AsyncGenerator<Uint8Array> {
    for await (const chunk of compressed) {
      sent += chunk.byteLength;
      yield chunk;
    }
  }
  return { body: counted(), bytesSent: () => sent };
}

/** The factory's chunks as bytes; a failure of the caller's source is marked so that it is not retried. */
async function* sourceChunks(factory: () => AsyncIterable<Uint8Array | string>): AsyncGenerator<Uint8Array> {
  let iterable: AsyncIterable<Uint8Array | string>;
  try {
    iterable = factory();
  } catch (error) {
    throw sourceError(error);
  }
  const iterator = iterable[Symbol.asyncIterator]();
  try {
    for (;;) {
      let step: IteratorResult<Uint8Array | string>;
      try {
        step = await iterator.next();
      } catch (error) {
        throw sourceError(error);
      }
      if (step.done) return;
      const chunk = typeof step.value === "string" ? Buffer.from(step.value, "utf8") : step.value;
      if (chunk.byteLength > 0) yield chunk;
    }
  } finally {
    // Stop the caller's generator when the attempt ends early (abort, timeout, server closed).
    try {
      await iterator.return?.();
    } catch {
      // the attempt's own outcome matters more
    }
  }
}

async function* compress(chunks: AsyncIterable<Uint8Array>, level: number): AsyncGenerator<Uint8Array> {
  const zip = createGzip({ level });
  const source = Readable.from(chunks, { objectMode: false });
  source.on("error", (error) => zip.destroy(error));
  source.pipe(zip);
  try {
    for await (const chunk of zip) yield chunk as Uint8Array;
  } finally {
    source.destroy();
    zip.destroy();
  }
}

function sourceError(cause: unknown): Error {
  const error = new Error("the request body source failed", { cause }) as Error & { code: string };
  error.code = BODY_SOURCE_CODE;
  return error;
}
