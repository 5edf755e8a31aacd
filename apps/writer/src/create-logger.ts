import { type ConsolaInstance, createConsola, LogLevels, type LogType } from "consola";

export type LogFormat = "pretty" | "json";

const LEVELS: Record<string, number> = {
  silent: LogLevels.silent,
  error: LogLevels.error,
  warn: LogLevels.warn,
  info: LogLevels.info,
  debug: LogLevels.debug,
  trace: LogLevels.trace,
};

/** The log levels `--log-level` accepts. */
export const LOG_LEVEL_NAMES = Object.keys(LEVELS);

/** A consola logger on stderr: human-readable, or one JSON object per line for machines. */
export function createLogger(format: LogFormat, level: string): ConsolaInstance {
  const numeric = LEVELS[level];
  if (numeric === undefined)
    throw new TypeError(`--log-level must be one of ${LOG_LEVEL_NAMES.join(", ")}, not "${level}"`);
  if (format === "json") {
    return createConsola({
      level: numeric,
      reporters: [
        {
          log(entry) {
            const msg = entry.args
              .map((a) => (typeof a === "string" ? a : a instanceof Error ? a.message : JSON.stringify(a)))
              .join(" ");
            process.stderr.write(
              `${JSON.stringify({ time: entry.date.toISOString(), level: entry.type as LogType, msg })}\n`,
            );
          },
        },
      ],
    });
  }
  return createConsola({
    level: numeric,
    stdout: process.stderr,
    stderr: process.stderr,
    formatOptions: { date: true, colors: process.stderr.isTTY === true },
  });
}
