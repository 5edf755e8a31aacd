import { RecordError } from "./errors.ts";
import { safeParseRecord } from "./safe-parse-record.ts";
import type { ModelOutputRecord } from "./types.ts";

/** Validate one model-output record; throws RecordError (code `RECORD_INVALID`) with every issue. */
export function parseRecord(input: unknown): ModelOutputRecord {
  const result = safeParseRecord(input);
  if (!result.success) throw new RecordError(result.issues);
  return result.output;
}
