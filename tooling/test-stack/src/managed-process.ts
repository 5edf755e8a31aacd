import type { ChildProcess } from "node:child_process";
import { setTimeout as sleep } from "node:timers/promises";
import { httpSend } from "@anomaly-writer/local-vm";

/**
 * Wait until `url`/health answers 200 (polling every 30 ms, at most `timeoutMs`). Answers the error
 * message when the process exited first or never answered (the caller cleans up and throws it).
 */
export async function waitForHealthy(
  name: string,
  url: string,
  child: ChildProcess,
  logTail: (lines?: number) => string,
  timeoutMs = 10_000,
): Promise<string | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) return `[test-stack] ${name} exited while starting: ${logTail(5)}`;
    const healthy = await httpSend(`${url}/health`, { timeoutMs: 1000 }).then(
      (r) => r.status === 200,
      () => false,
    );
    if (healthy) return undefined;
    if (Date.now() > deadline) return `[test-stack] ${name} did not answer /health: ${logTail(5)}`;
    await sleep(30);
  }
}

/** Stop a process with `signal`, and with SIGKILL if it is still there 5 s later. */
export async function stopProcess(
  child: ChildProcess,
  exited: Promise<unknown>,
  signal: NodeJS.Signals = "SIGTERM",
): Promise<void> {
  if (child.exitCode !== null) return;
  child.kill(signal);
  const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
  await exited;
  clearTimeout(timer);
}
