import { isAbsolute, join, resolve } from "node:path";
import * as v from "valibot";
import { ByteSizeSchema } from "./byte-size-schema.ts";
import { crossCheck } from "./cross-check.ts";
import { parseDuration } from "./parse-duration.ts";
import { describeValue, scalarField, sectionGuard, sectionMessage, TextSchema } from "./scalar-field.ts";
import type { SchemaContext } from "./schema-context.ts";

/** `writer.queue` (ours, not vmanomaly's): the durable on-disk queue. */
export interface QueueConfig {
  /** Absolute directory of the queue. */
  readonly path: string;
  /** Cap of the data waiting to be sent; default 1 GiB. */
  readonly maxBytes: number;
  /** Catch-up rate limit after an outage in bytes per second; 0 = unlimited (default). */
  readonly rateLimitBytesPerSecond: number;
  /** Where permanently refused data goes (JSON lines); default `<path>/dead-letters.jsonl`. */
  readonly deadLetterFile: string;
  /** fsync every acknowledged append (default true). Off trades crash safety for speed. */
  readonly fsync: boolean;
  /**
   * After an outage, data sent this long before it is sent again (default 30 s; 0 = off):
   * VictoriaMetrics answers 204 before its data is on disk and loses the last seconds when it
   * crashes, so a crash is only survived by sending them again.
   */
  readonly replayWindowMs: number;
}

export const DEFAULT_QUEUE_MAX_BYTES = 1024 ** 3;
export const DEFAULT_REPLAY_WINDOW_MS = 30_000;

/** A duration that may be 0 (`0`, `"0s"`) to switch something off. */
const OptionalDurationSchema = scalarField((value, report): number => {
  if (value === 0 || (typeof value === "string" && /^0+(ms|s|m|h)?$/.test(value.trim()))) return 0;
  try {
    return parseDuration(value as string | number);
  } catch (error) {
    report((error as Error).message.replace(/^\[config\] /, ""));
    return 0;
  }
});

export const BooleanSchema = scalarField((value, report): boolean => {
  if (typeof value === "boolean") return value;
  if (typeof value === "string" && /^(true|false)$/i.test(value.trim())) return value.trim().toLowerCase() === "true";
  report(`must be true or false, got ${describeValue(value)}`);
  return true;
});

/** The `writer.queue` section. */
export function createQueueSchema(context: SchemaContext) {
  const entries = {
    path: TextSchema,
    max_size: ByteSizeSchema,
    rate_limit: ByteSizeSchema,
    dead_letter_file: TextSchema,
    fsync: BooleanSchema,
    replay_window: OptionalDurationSchema,
  };
  type QueueInput = v.InferOutput<v.ObjectSchema<typeof entries, undefined>>;
  const absolute = (p: string) => (isAbsolute(p) ? p : resolve(context.cwd, p));
  return v.pipe(
    sectionGuard(),
    v.object(entries, sectionMessage),
    crossCheck<QueueInput>(["path"], (q, report) => {
      if (q.path === undefined)
        report("path", "is required when writer.queue is present: the directory that holds the queue");
    }),
    v.transform((q): QueueConfig => {
      const path = absolute(q.path ?? "");
      return {
        path,
        maxBytes: q.max_size ?? DEFAULT_QUEUE_MAX_BYTES,
        rateLimitBytesPerSecond: q.rate_limit ?? 0,
        deadLetterFile:
          q.dead_letter_file !== undefined ? absolute(q.dead_letter_file) : join(path, "dead-letters.jsonl"),
        fsync: q.fsync ?? true,
        replayWindowMs: q.replay_window ?? DEFAULT_REPLAY_WINDOW_MS,
      };
    }),
  );
}
