import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";

let ticks: number | undefined;

/** Clock ticks per second of /proc/<pid>/stat (getconf CLK_TCK, usually 100). */
function clockTicks(): number {
  if (ticks === undefined) {
    try {
      ticks = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
    } catch {
      ticks = 100;
    }
  }
  return ticks;
}

/** CPU seconds (user + system) a live process has used so far, from /proc/<pid>/stat; NaN when unknown. */
export function processCpuSeconds(pid: number | undefined): number {
  if (pid === undefined) return Number.NaN;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the command name (which may hold spaces) in parentheses: utime is 14th, stime 15th.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / clockTicks();
  } catch {
    return Number.NaN;
  }
}

/** CPU seconds this process has used so far. */
export function ownCpuSeconds(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1e6;
}

/**
 * Wait until a process is idle: less than `maxShare` of one core over a `windowMs` window (its
 * background work done, e.g. VictoriaMetrics merging the parts of the previous attempt), at most
 * `timeoutMs`. Resolves with whether it became idle.
 */
export async function waitForIdle(
  pid: number | undefined,
  options: { windowMs?: number; maxShare?: number; timeoutMs?: number } = {},
): Promise<boolean> {
  const windowMs = options.windowMs ?? 250;
  const maxShare = options.maxShare ?? 0.05;
  const deadline = Date.now() + (options.timeoutMs ?? 15_000);
  let before = processCpuSeconds(pid);
  if (!Number.isFinite(before)) return false;
  while (Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, windowMs));
    const now = processCpuSeconds(pid);
    if (now - before <= (maxShare * windowMs) / 1000) return true;
    before = now;
  }
  return false;
}
