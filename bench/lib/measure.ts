import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

let gc: (() => void) | undefined;

/**
 * A full garbage collection, so that the garbage one participant leaves in this process is not
 * collected on the next participant's clock (the library and the peer run in this process).
 */
export function collectGarbage(): void {
  if (gc === undefined) {
    setFlagsFromString("--expose-gc");
    gc = runInNewContext("gc") as () => void;
  }
  gc();
}

/** Median of numbers (the mean of the middle two for an even count). */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  if (sorted.length === 0) return Number.NaN;
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** Time an async function with performance.now, in ms. */
export async function timeAsync<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const t0 = performance.now();
  const value = await fn();
  return { ms: performance.now() - t0, value };
}

/** What a finished child process did. */
export interface ChildRun {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly ms: number;
  readonly stdout: string;
  readonly stderr: string;
  /** Peak resident set size in bytes, when measured. */
  readonly peakRssBytes?: number;
  /** User + system CPU seconds of the process (GNU time), when /usr/bin/time exists. */
  readonly cpuSeconds?: number;
}

export interface RunChildOptions {
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
  /** Measure the peak RSS of the process (GNU time; else VmHWM sampled every 20 ms). */
  readonly measureRss?: boolean;
  readonly timeoutMs?: number;
}

const TIME_BIN = "/usr/bin/time";

const HAS_TIME = existsSync(TIME_BIN);

/**
 * Run a command, timing it from spawn to exit with performance.now. Under /usr/bin/time when it
 * exists (its own cost is a fork and a wait4): the process's CPU seconds and its peak RSS
 * ("Maximum resident set size", the kernel's rusage); without it, `measureRss` polls
 * /proc/<pid>/status VmHWM.
 */
export function runChild(command: string, args: readonly string[], options: RunChildOptions = {}): Promise<ChildRun> {
  const useTime = HAS_TIME;
  const [bin, argv] = useTime ? [TIME_BIN, ["-f", "__RUSAGE=%M %U %S", command, ...args]] : [command, [...args]];
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(bin, argv, {
      env: options.env ?? process.env,
      cwd: options.cwd,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout = (stdout + d).slice(-200_000)));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr = (stderr + d).slice(-200_000)));
    let hwm = 0;
    const poll =
      options.measureRss && !useTime
        ? setInterval(() => {
            try {
              const status = readFileSync(`/proc/${child.pid}/status`, "utf8");
              const match = /VmHWM:\s+(\d+) kB/.exec(status);
              if (match) hwm = Math.max(hwm, Number(match[1]) * 1024);
            } catch {
              // exited
            }
          }, 20)
        : undefined;
    const timer = options.timeoutMs ? setTimeout(() => child.kill("SIGKILL"), options.timeoutMs) : undefined;
    child.once("error", reject);
    let exitMs = 0;
    child.once("exit", () => {
      exitMs = performance.now() - t0;
      if (poll) clearInterval(poll);
      if (timer) clearTimeout(timer);
    });
    // "close" comes after "exit" once the pipes are drained: the output is complete.
    child.once("close", (code, signal) => {
      let peakRssBytes: number | undefined = options.measureRss ? hwm : undefined;
      let cpuSeconds: number | undefined;
      if (useTime) {
        const match = /__RUSAGE=(\d+) ([\d.]+) ([\d.]+)/.exec(stderr);
        if (match) {
          if (options.measureRss) peakRssBytes = Number(match[1]) * 1024;
          cpuSeconds = Number(match[2]) + Number(match[3]);
        }
        stderr = stderr.replace(/(Command exited with non-zero status \d+\n)?__RUSAGE=[^\n]*\n?/, "");
      }
      resolve({
        code,
        signal,
        ms: exitMs || performance.now() - t0,
        stdout,
        stderr,
        ...(peakRssBytes !== undefined ? { peakRssBytes } : {}),
        ...(cpuSeconds !== undefined ? { cpuSeconds } : {}),
      });
    });
  });
}

/** Format a rate: 1.23 M/s, 456 k/s. */
export function formatRate(perSecond: number): string {
  if (!Number.isFinite(perSecond)) return "-";
  if (perSecond >= 1e6) return `${(perSecond / 1e6).toFixed(2)} M/s`;
  if (perSecond >= 1e3) return `${(perSecond / 1e3).toFixed(0)} k/s`;
  return `${perSecond.toFixed(0)} /s`;
}

/** Format bytes as MiB. */
export function formatMiB(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(0)} MiB`;
}
