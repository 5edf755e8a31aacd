import type { ChildProcess } from "node:child_process";

const children = new Set<ChildProcess>();
let hooked = false;

/** Remember a child server so that it is killed if this process exits without stopping it. */
export function trackChild(child: ChildProcess): void {
  children.add(child);
  if (!hooked) {
    hooked = true;
    process.once("exit", () => {
      for (const c of children) {
        try {
          c.kill("SIGCONT");
          c.kill("SIGKILL");
        } catch {
          // already gone
        }
      }
    });
  }
}

/** Forget a child that has exited. */
export function untrackChild(child: ChildProcess): void {
  children.delete(child);
}
