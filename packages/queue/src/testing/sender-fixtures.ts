import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach } from "vitest";
import { createDurableQueue, type DurableQueue } from "../create-durable-queue.ts";
import type { FailureAction } from "../create-queue-sender.ts";

const dirs: string[] = [];

/** Remove the queues of each test after it (call once per test file). */
export function cleanUpQueues(): void {
  afterEach(async () => {
    for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
  });
}

/** A queue in a new directory holding these bodies, each with `{ body }` as its meta unless told otherwise. */
export async function queueWith(bodies: string[], withMeta = true): Promise<DurableQueue> {
  const dir = await mkdtemp(join(tmpdir(), "aw-sender-test-"));
  dirs.push(dir);
  const queue = await createDurableQueue({ dir, maxBytes: 1 << 20, fsync: false });
  await queue.append(bodies.map((body) => ({ meta: withMeta ? { body } : {}, body })));
  return queue;
}

/** A send failure the test's `classify` reads back. */
export class Failure extends Error {
  readonly action: FailureAction;
  constructor(action: FailureAction) {
    super(action);
    this.action = action;
  }
}
