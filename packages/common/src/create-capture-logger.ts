import type { Logger } from "./logger.ts";

/** A logger that keeps every line (`level message args`), for tests and for showing what happened. */
export interface CaptureLogger extends Logger {
  readonly lines: string[];
  /** Every line joined, e.g. to search for secrets. */
  text(): string;
}

/** Create a logger that records what it is told. */
export function createCaptureLogger(): CaptureLogger {
  const lines: string[] = [];
  const record =
    (level: string) =>
    (message: string, ...args: unknown[]) => {
      lines.push(
        [
          level,
          message,
          ...args.map((a) => (a instanceof Error ? `${a.message} ${a.stack ?? ""}` : JSON.stringify(a))),
        ].join(" "),
      );
    };
  return {
    lines,
    text: () => lines.join("\n"),
    debug: record("debug"),
    info: record("info"),
    warn: record("warn"),
    error: record("error"),
  };
}
