import { type ChildProcess, spawn } from "node:child_process";
import { CommandError, type CommandResult, ConsumerTestError } from "./errors.ts";

export interface RunCommandOptions {
  readonly cwd: string;
  /** The whole environment of the command (see consumerEnv). */
  readonly env: NodeJS.ProcessEnv;
  /** Killed (its whole process group) after this long; default 180 s. */
  readonly timeoutMs?: number;
  /** Resolve with a non-zero exit instead of rejecting. */
  readonly allowFailure?: boolean;
}

const running = new Set<ChildProcess>();
let exitHooked = false;

/** Kill the process group of every command still running (the suite's afterAll, and process exit). */
export function killRunningCommands(): void {
  for (const child of running) killGroup(child);
}

function killGroup(child: ChildProcess): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, "SIGKILL");
  } catch {
    // already gone
  }
}

/**
 * Run `command` in its own process group (npm and pnpm start children of their own: a timeout or
 * the end of the suite kills all of them), collecting its output. Rejects with CommandError on a
 * non-zero exit unless `allowFailure`.
 */
export function runCommand(
  command: string,
  args: readonly string[],
  options: RunCommandOptions,
): Promise<CommandResult> {
  if (!exitHooked) {
    exitHooked = true;
    process.once("exit", killRunningCommands);
  }
  const line = [command, ...args].join(" ");
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env,
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    });
    running.add(child);
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (chunk: Buffer) => out.push(chunk));
    child.stderr.on("data", (chunk: Buffer) => err.push(chunk));
    const timer = setTimeout(() => killGroup(child), options.timeoutMs ?? 180_000);
    child.once("error", (error) => {
      clearTimeout(timer);
      running.delete(child);
      reject(
        new ConsumerTestError("COMMAND_NOT_STARTED", `cannot start \`${line}\` in ${options.cwd}: ${error.message}`, {
          cause: error,
        }),
      );
    });
    child.once("close", (code, signal) => {
      clearTimeout(timer);
      running.delete(child);
      const result = {
        code,
        signal,
        stdout: Buffer.concat(out).toString("utf8"),
        stderr: Buffer.concat(err).toString("utf8"),
      };
      if (code === 0 || options.allowFailure) resolve(result);
      else reject(new CommandError(`${line} (in ${options.cwd})`, result));
    });
  });
}
