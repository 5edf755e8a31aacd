import { StringDecoder } from "node:string_decoder";
import { atPosition, type PositionedRecord, unreadable } from "./positioned-record.ts";

export interface ReadJsonLinesOptions {
  /** A line longer than this is reported as unreadable and skipped. Default 64 MiB. */
  maxLineBytes?: number;
  /** Prefix of positions, e.g. the file name. Default "line". */
  label?: string;
}

/**
 * Read model-output records from a stream of JSON lines (a file, stdin, a request body).
 * Each non-empty line becomes one positioned record ("line 7"); a line that is not JSON becomes
 * an unreadable entry with the parser's reason, so the good lines around it still go through.
 * A UTF-8 byte-order mark at the start is skipped.
 */
export async function* readJsonLines(
  source: AsyncIterable<string | Uint8Array>,
  options: ReadJsonLinesOptions = {},
): AsyncGenerator<PositionedRecord> {
  const maxLineBytes = options.maxLineBytes ?? 64 * 1024 * 1024;
  const label = options.label ?? "line";
  const decoder = new StringDecoder("utf8");
  let pending = "";
  let lineNo = 0;
  let skipping = false;
  let atStart = true;
  const emit = (line: string): PositionedRecord | undefined => {
    lineNo++;
    const text = line.endsWith("\r") ? line.slice(0, -1) : line;
    if (text.trim() === "") return undefined;
    return parseLine(text, `${label} ${lineNo}`);
  };
  for await (const chunk of source) {
    let text =
      typeof chunk === "string"
        ? chunk
        : decoder.write(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    if (atStart && text !== "") {
      atStart = false;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    // Newlines are looked for in the new text only: a line longer than a chunk (a backfill
    // record of thousands of points) is not searched again with every chunk it spans.
    let nl = text.indexOf("\n");
    if (nl !== -1) {
      let line = pending + text.slice(0, nl);
      let start = nl + 1;
      for (;;) {
        if (skipping) {
          skipping = false;
          lineNo++;
        } else {
          const record = emit(line);
          if (record) yield record;
        }
        nl = text.indexOf("\n", start);
        if (nl === -1) break;
        line = text.slice(start, nl);
        start = nl + 1;
      }
      pending = text.slice(start);
    } else pending += text;
    if (!skipping && pending.length > maxLineBytes) {
      skipping = true;
      pending = "";
      yield unreadable(`${label} ${lineNo + 1}`, `line is longer than ${maxLineBytes} bytes`);
    } else if (skipping) {
      pending = "";
    }
  }
  pending += decoder.end();
  if (!skipping && pending !== "") {
    const record = emit(pending);
    if (record) yield record;
  }
}

function parseLine(text: string, position: string): PositionedRecord {
  try {
    return atPosition(JSON.parse(text), position);
  } catch (error) {
    return unreadable(position, `not valid JSON: ${(error as Error).message}`);
  }
}

/**
 * Parse a request body holding one record, a JSON array of records, or JSON lines.
 * Positions are "record N" for arrays and "line N" for JSON lines. A UTF-8 byte-order mark at
 * the start is skipped.
 */
export function parseRecordsText(body: string): PositionedRecord[] {
  const text = body.charCodeAt(0) === 0xfeff ? body.slice(1) : body;
  const trimmed = text.trim();
  if (trimmed === "") return [];
  try {
    const whole: unknown = JSON.parse(trimmed);
    if (Array.isArray(whole)) return whole.map((value, i) => atPosition(value, `record ${i + 1}`));
    return [atPosition(whole, "record 1")];
  } catch {
    // not one JSON document: JSON lines
  }
  const out: PositionedRecord[] = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i] ?? "";
    const line = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
    if (line.trim() === "") continue;
    out.push(parseLine(line, `line ${i + 1}`));
  }
  return out;
}
