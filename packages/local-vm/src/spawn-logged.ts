import { type ChildProcess, spawn } from "node:child_process";
import { createWriteStream, readFileSync } from "node:fs";
import { trackChild, untrackChild } from "./track-child.ts";

/** A server process whose stdout and stderr go to a log file. */
export interface LoggedProcess {
  readonly child: ChildProcess;
  /** Resolves when the process has exited. */
  readonly exited: Promise<void>;
  /** The exit code once it exited (null when killed by a signal); undefined while it runs. */
  exitCode(): number | null | undefined;
}

/**
 * Start `binary` with its output appended to `logFile`, killed if this process exits first
 * (trackChild). One piece of code for every server the demo and the tests start.
 */
export function spawnLogged(binary: string, args: readonly string[], logFile: string): LoggedProcess {
  const log = createWriteStream(logFile, { flags: "a" });
  const child = spawn(binary, args, { stdio: ["ignore", "pipe", "pipe"] });
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  child.once("error", () => undefined);
  trackChild(child);
  let code: number | null | undefined;
  const exited = new Promise<void>((resolve) =>
    child.once("exit", (exitCode) => {
      code = exitCode;
      untrackChild(child);
      resolve();
    }),
  );
  return { child, exited, exitCode: () => code };
}

/** The last `lines` lines of a log file ("" when it does not exist yet). */
export function readLogTail(logFile: string, lines = 20): string {
  try {
    return readFileSync(logFile, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
  } catch {
    return "";
  }
}
