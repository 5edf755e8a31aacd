import { appendFile, mkdir } from "node:fs/promises";
import { dirname } from "node:path";

/** One line of the dead-letter file. */
export interface DeadLetter {
  readonly time: string;
  readonly reason: string;
  readonly code: string;
  readonly meta: Readonly<Record<string, string | number>>;
  /** The exact payload that was refused (VictoriaMetrics JSON lines: importable after a fix). */
  readonly body: string;
  /** Present for binary payloads (remote_write protobuf): `body` is base64. */
  readonly bodyEncoding?: "base64";
}

/** Append a dead letter as one JSON line (the file is created when missing). */
export async function appendDeadLetter(path: string, letter: DeadLetter): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await appendFile(path, `${JSON.stringify(letter)}\n`);
}
