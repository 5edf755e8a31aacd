import { spawn, type ChildProcess } from "node:child_process";
import { delimiter, sep } from "node:path";

/** What a finished command printed and how it ended. */
export interface CommandResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface RunCommandOptions {
  readonly cwd: string;
  /** The whole environment of the command (see consumerEnv). */
  readonly env: NodeJS.ProcessEnv;
  /** Killed (its whole process group) after this long; default 180 s. */
  readonly timeoutMs?: number;
  /** Resolve with a non-zero exit instead of rejecting. */
  readonly allowFailure?: boolean;
}

/** A command that failed: names the command line, where it ran, how it ended and what it printed. */
export class CommandError extends Error {
  override name = "CommandError";
  readonly code = "COMMAND_FAILED";
  readonly command: string;
  readonly result: CommandResult;
  constructor(command: string, result: CommandResult) {
    super(`[consumer-test] \`${command}\` ended with ${result.signal ?? `exit code ${result.code}`}\n${tail(result.stderr)}\n${tail(result.stdout)}`);
    this.command = command;
    this.result = result;
  }
}

const tail = (text: string, lines = 40): string => text.trimEnd().split("\n").slice(-lines).join("\n");

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
 * the end of the suite kills all of them), collecting its output.
 */
export function runCommand(command: string, args: readonly string[], options: RunCommandOptions): Promise<CommandResult> {
  if (!exitHooked) {
    exitHooked = true;
    process.once("exit", killRunningCommands);
  }
  const line = [command, ...args].join(" ");
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
    running.add(child);
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (chunk: Buffer) => out.push(chunk));
    child.stderr.on("data", (chunk: Buffer) => err.push(chunk));
    const timer = setTimeout(() => killGroup(child), options.timeoutMs ?? 180_000);
    child.once("error", (error) => {
      clearTimeout(timer);
      running.delete(child);
      reject(new Error(`[consumer-test] cannot start \`${line}\` in ${options.cwd}: ${error.message}`));
    });
    child.once("close", (code, signal) => {
      clearTimeout(timer);
      running.delete(child);
      const result = { code, signal, stdout: Buffer.concat(out).toString("utf8"), stderr: Buffer.concat(err).toString("utf8") };
      if (code === 0 || options.allowFailure) resolve(result);
      else reject(new CommandError(`${line} (in ${options.cwd})`, result));
    });
  });
}

// Set by the pnpm/vitest that run this suite, not by the user: a consumer must not see them.
// NODE_PATH (pnpm's bin shims set it to the workspace's hoisted node_modules) would let
// require() find packages the consumer never installed.
const RUNNER_ONLY = /^(NODE_PATH|NODE_OPTIONS|NODE_ENV|VITEST.*|TEST|INIT_CWD|PNPM_.*|pnpm_config_.*|npm_(lifecycle|package)_.*|npm_(command|execpath|node_execpath)|npm_config_(user_agent|verify_deps_before_run|node_gyp))$/;

/**
 * The environment of a user's shell: this process's, without what pnpm and vitest added (their
 * variables, and the workspace's node_modules/.bin directories on PATH). `pathFirst` goes in
 * front of PATH (e.g. another Node's bin directory).
 */
export function consumerEnv(extra: Readonly<Record<string, string>> = {}, pathFirst?: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) if (!RUNNER_ONLY.test(name)) env[name] = value;
  const path = (env.PATH ?? "/usr/local/bin:/usr/bin:/bin").split(delimiter).filter((dir) => dir !== "" && !dir.includes(`${sep}node_modules${sep}`));
  env.PATH = [...(pathFirst ? [pathFirst] : []), ...path].join(delimiter);
  return { ...env, ...extra };
}
