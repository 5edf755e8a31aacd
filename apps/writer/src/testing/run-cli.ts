import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

export const CLI = fileURLToPath(new URL("../../dist/main.mjs", import.meta.url));

export interface CliRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Run the built CLI to the end (bounded by timeoutMs). */
export function runCli(
  args: readonly string[],
  options: { input?: string | Buffer; env?: Record<string, string>; timeoutMs?: number } = {},
): Promise<CliRun> {
  const child = startCli(args, options.env);
  child.stdin?.end(options.input ?? "");
  return finished(child, options.timeoutMs ?? 60_000);
}

/** Start the built CLI and return the live process. */
export function startCli(
  args: readonly string[],
  env: Record<string, string> = {},
): ChildProcess & { output: () => { stdout: string; stderr: string } } {
  const child = spawn(process.execPath, [CLI, ...args], {
    env: { ...process.env, NO_COLOR: "1", ...env },
    stdio: ["pipe", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (c: Buffer) => (stdout += c.toString()));
  child.stderr?.on("data", (c: Buffer) => (stderr += c.toString()));
  return Object.assign(child, { output: () => ({ stdout, stderr }) });
}

/** Wait for a started CLI to exit. */
export function finished(
  child: ChildProcess & { output?: () => { stdout: string; stderr: string } },
  timeoutMs = 60_000,
): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`CLI did not finish within ${timeoutMs} ms: ${JSON.stringify(child.output?.())}`));
    }, timeoutMs);
    const done = (code: number | null) => {
      clearTimeout(timer);
      const out = child.output?.() ?? { stdout: "", stderr: "" };
      resolve({ code, ...out });
    };
    if (child.exitCode !== null) done(child.exitCode);
    else child.once("exit", (code) => setImmediate(() => done(code)));
  });
}
