import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createCaptureLogger } from "@anomaly-writer/common";
import type { TargetStartTime } from "@anomaly-writer/healthcheck";
import { createDurableQueue, type DurableQueue } from "@anomaly-writer/queue";
import { afterEach, describe, expect, it } from "vitest";
import { createReplayGuard, type ReplayGuardOptions } from "./create-replay-guard.ts";

const dirs: string[] = [];
const queues: DurableQueue[] = [];
afterEach(async () => {
  for (const q of queues.splice(0)) await q.close();
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

async function openQueue(dir?: string) {
  const path = dir ?? (await mkdtemp(join(tmpdir(), "aw-guard-test-")));
  if (!dir) dirs.push(path);
  const queue = await createDurableQueue({ dir: path, maxBytes: 1 << 20, fsync: false });
  queues.push(queue);
  return { queue, dir: path };
}

/** A guard over `queue` with a hand-driven clock and target. */
function setup(
  queue: DurableQueue,
  options: Partial<ReplayGuardOptions> & { startedAt?: () => TargetStartTime | undefined } = {},
) {
  const clock = { now: 1_000_000 };
  const target: { start: TargetStartTime; alive: boolean } = { start: { kind: "started", at: 500 }, alive: true };
  const logger = createCaptureLogger();
  const guard = createReplayGuard({
    queue,
    replayWindowMs: 30_000,
    readStartTime: async () => target.start,
    probeHealth: async () => target.alive,
    logger,
    now: () => clock.now,
    ...options,
  });
  /** Send the next `n` entries as the sender would. */
  const send = async (n = 1) => {
    await guard.beforeSend();
    const entries = await queue.peek({ maxEntries: n, maxBytes: 1 << 20 });
    await queue.markSent(entries, { sentAt: clock.now, tag: guard.tag });
    await guard.afterSent();
    return entries.map((e) => e.body.toString());
  };
  return { guard, clock, target, logger, send };
}

const items = (...bodies: string[]) => bodies.map((body) => ({ meta: {}, body }));

describe("createReplayGuard", () => {
  it("frees what was sent only once a check replay_window later shows the same VictoriaMetrics", async () => {
    const { queue } = await openQueue();
    await queue.append(items("a", "b"));
    const { clock, send } = setup(queue);
    expect(await send(2)).toEqual(["a", "b"]);
    clock.now += 29_000;
    await queue.append(items("c"));
    await send();
    expect(queue.stats().windowEntries).toBe(3);
    clock.now += 2000;
    await queue.append(items("d"));
    await send();
    // a and b are now 31 s old and the start time did not change: freed; c and d are kept.
    expect(queue.stats().windowEntries).toBe(2);
  });

  it("sends the whole window again when the start time changed (a restart between two sends, with no failed request)", async () => {
    const { queue } = await openQueue();
    await queue.append(items("a", "b"));
    const { clock, target, logger, send } = setup(queue);
    await send(2);
    target.start = { kind: "started", at: 600 };
    clock.now += 1500;
    await queue.append(items("c"));
    expect(await send(5)).toEqual(["a", "b", "c"]);
    expect(logger.lines.join("\n")).toMatch(/sending again 2 entries .*VictoriaMetrics restarted/);
  });

  it("after a connection-level failure, sends the window again once a request gets through, and frees nothing meanwhile", async () => {
    const { queue } = await openQueue();
    await queue.append(items("a", "b", "c"));
    const { guard, clock, send } = setup(queue);
    await send();
    guard.noteOutage();
    clock.now += 60_000;
    await send();
    expect(queue.stats().windowEntries).toBe(2);
    guard.noteDelivered();
    expect(await send(5)).toEqual(["a", "b", "c"]);
  });

  it("without a start time, sends again at start a window an earlier run left less than replay_window ago, and frees an older one", async () => {
    const { queue, dir } = await openQueue();
    await queue.append(items("a"));
    await queue.markSent(await queue.peek(), { sentAt: 1_000_000, tag: 0 });
    await queue.close();
    queues.pop();
    const again = (await openQueue(dir)).queue;
    const young = setup(again, { readStartTime: undefined });
    young.clock.now += 10_000;
    await young.guard.beforeSend();
    expect(again.stats()).toMatchObject({ pendingEntries: 1, windowEntries: 0 });
    await again.close();
    queues.pop();
    const third = (await openQueue(dir)).queue;
    await third.markSent(await third.peek(), { sentAt: 1_000_000, tag: 0 });
    const old = setup(third, { readStartTime: undefined });
    old.clock.now += 40_000;
    await old.guard.beforeSend();
    expect(third.stats()).toMatchObject({ pendingEntries: 0, windowEntries: 0 });
  });

  it("falls back to failures only when the target has no start time, or when it goes back (several servers behind one URL)", async () => {
    const { queue } = await openQueue();
    await queue.append(items("a", "b", "c"));
    const { clock, target, logger, send } = setup(queue);
    await send();
    target.start = { kind: "started", at: 400 };
    clock.now += 1500;
    await send();
    expect(logger.lines.join("\n")).toContain("start time went back");
    expect(queue.stats().windowEntries).toBe(2);
    clock.now += 40_000;
    await send();
    expect(queue.stats().windowEntries).toBe(1);
  });

  it("keeps no window with replay_window 0", async () => {
    const { queue } = await openQueue();
    await queue.append(items("a"));
    const { send } = setup(queue, { replayWindowMs: 0 });
    await send();
    expect(queue.stats().windowEntries).toBe(0);
  });

  it("tells apart two VictoriaMetrics started in the same second, for a window found on disk: what was sent before the running one started (its uptime) is sent again", async () => {
    const { queue, dir } = await openQueue();
    await queue.append(items("a"));
    await queue.markSent(await queue.peek(), { sentAt: 1_000_000, tag: 500 });
    await queue.close();
    queues.pop();
    const again = (await openQueue(dir)).queue;
    const young = setup(again);
    young.clock.now = 1_003_000;
    young.target.start = { kind: "started", at: 500, uptimeSeconds: 1 };
    await young.guard.beforeSend();
    expect(again.stats()).toMatchObject({ pendingEntries: 1, windowEntries: 0 });
    await again.markSent(await again.peek(), { sentAt: 1_003_000, tag: 500 });
    await again.close();
    queues.pop();
    // Up long before the send: the same process took it; kept until replay_window has passed.
    const third = (await openQueue(dir)).queue;
    const old = setup(third);
    old.clock.now = 1_010_000;
    old.target.start = { kind: "started", at: 500, uptimeSeconds: 3600 };
    await old.guard.beforeSend();
    expect(third.stats()).toMatchObject({ pendingEntries: 0, windowEntries: 1 });
    old.clock.now = 1_040_000;
    old.target.start = { kind: "started", at: 500, uptimeSeconds: 3630 };
    await old.guard.beforeSend();
    expect(third.stats()).toMatchObject({ pendingEntries: 0, windowEntries: 0 });
  });
});
