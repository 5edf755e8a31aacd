import type { Logger } from "@anomaly-writer/common";
import type { TargetStartTime } from "@anomaly-writer/healthcheck";
import type { DurableQueue } from "@anomaly-writer/queue";

export interface ReplayGuardOptions {
  queue: DurableQueue;
  /** How long after a send VictoriaMetrics may still lose it (`replay_window`); 0 keeps no window. */
  replayWindowMs: number;
  /** The target's start time; undefined when it cannot report one (then restarts are seen only through failures). */
  readStartTime?: (() => Promise<TargetStartTime>) | undefined;
  /** A cheap liveness check (GET of the health URL), used while idle when the start time cannot be read. */
  probeHealth: () => Promise<boolean>;
  logger: Logger;
  /** The window was sent again: `throughId` is the last entry id that is a replay. */
  onRewind?: (rewound: { entries: number; bytes: number; throughId: number }, reason: string) => void;
  /** Minimum time between two checks. Default 1000 ms. */
  checkEveryMs?: number;
  now?: () => number;
}

/** Decides when the replay window on disk is sent again, and when it is safe to free. */
export interface ReplayGuard {
  /** Before each request: check the target (at most once per `checkEveryMs`) and rewind when it may have lost the window. */
  beforeSend(): Promise<void>;
  /** A request failed at the connection level: the target may have crashed. */
  noteOutage(): void;
  /** A request got through: if an outage came before, the window is sent again before the next request. */
  noteDelivered(): void;
  /** The mark to keep with sent entries: the target's start time (0 while unknown). */
  readonly tag: number;
  /** After entries were marked sent: without a window they are freed at once. */
  afterSent(): Promise<void>;
  /** Keep checking while the window is not empty (for the background sender). */
  start(): void;
  stop(): Promise<void>;
}

const iso = (seconds: number) => new Date(seconds * 1000).toISOString();

/**
 * Guard the replay window. An entry sent at time S is freed only once a check at T ≥ S +
 * replay_window shows the same target process as when it was sent (same `vm_app_start_timestamp`),
 * or, where the start time cannot be read, once replay_window passed with no failed request. The
 * window is sent again (rewound) when the start time changed, when a request failed at the
 * connection level and a later one got through, and at start when a window left by an earlier run
 * cannot be checked and is younger than replay_window.
 */
export function createReplayGuard(options: ReplayGuardOptions): ReplayGuard {
  const { queue, replayWindowMs, logger } = options;
  const now = options.now ?? Date.now;
  const checkEveryMs = options.checkEveryMs ?? 1000;
  let mode: "unknown" | "detect" | "fallback" = options.readStartTime ? "unknown" : "fallback";
  let epoch = queue.stats().tag;
  let startupDecided = false;
  /** A start time was read in this run (the check of a window found on disk is done). */
  let startTimeSeen = false;
  let outage = false;
  let rewindPending = false;
  let lastCheckAt = Number.NEGATIVE_INFINITY;
  let checking: Promise<void> | undefined;
  let timer: ReturnType<typeof setInterval> | undefined;
  const windowSeconds = `${replayWindowMs / 1000} s`;

  const rewind = async (reason: string) => {
    const rewound = await queue.rewind();
    if (rewound.entries === 0) return;
    logger.info(
      `sending again ${rewound.entries} entries (${rewound.bytes} bytes) written to VictoriaMetrics in the ${windowSeconds} before: ${reason}`,
    );
    options.onRewind?.(rewound, reason);
  };

  const checkStartTime = async (t0: number, read: () => Promise<TargetStartTime>) => {
    const start = await read();
    if (start.kind === "unsupported") {
      mode = "fallback";
      logger.info(
        `the target does not report its start time (${start.reason}): a restart is noticed only through failed requests`,
      );
      return false;
    }
    if (start.kind === "unreachable") outage = true;
    if (start.kind !== "started") return true;
    if (start.at < epoch && mode === "detect") {
      // A single node's start time only grows: several servers answer behind this URL.
      mode = "fallback";
      logger.info(
        `the target's start time went back (${iso(epoch)}, then ${iso(start.at)}): several servers answer behind one URL, so a restart is noticed only through failed requests`,
      );
      return false;
    }
    mode = "detect";
    startupDecided = true;
    if (start.at !== epoch) {
      const reason =
        epoch === 0
          ? "the target's start time was not known when they were sent"
          : `VictoriaMetrics restarted (started at ${iso(start.at)}; they were sent to the one started at ${iso(epoch)}) and may have lost them`;
      if (queue.stats().windowEntries > 0) await rewind(reason);
      epoch = start.at;
      startTimeSeen = true;
      return true;
    }
    if (await sameSecondRestart(start)) return true;
    if (!outage && !rewindPending) await queue.release(t0 - replayWindowMs);
    return true;
  };

  /**
   * The start time has whole seconds: a process that died within a second of starting and its
   * successor show the same one. For a window found on disk, what was sent before the running
   * process started (its uptime says when, on our clock, give or take a second) went to an earlier
   * one: it is sent again. (Within a run such a double restart would also have to fall between two
   * requests and two checks; VictoriaMetrics caches its /metrics for a second, so its counters
   * cannot tell the two processes apart either.)
   */
  const sameSecondRestart = async (start: Extract<TargetStartTime, { kind: "started" }>): Promise<boolean> => {
    if (startTimeSeen) return false;
    startTimeSeen = true;
    const firstSentAt = queue.stats().firstSentAt;
    if (
      start.uptimeSeconds === undefined ||
      firstSentAt === undefined ||
      firstSentAt >= now() - (start.uptimeSeconds - 1) * 1000
    )
      return false;
    await rewind(
      `VictoriaMetrics has been up for ${start.uptimeSeconds} s only: they may have been sent to an earlier one started in the same second`,
    );
    return true;
  };

  const checkFallback = async (t0: number, idle: boolean) => {
    if (!startupDecided) {
      startupDecided = true;
      const stats = queue.stats();
      if (stats.windowEntries > 0 && stats.lastSentAt > t0 - replayWindowMs) {
        await rewind(
          `they were left by an earlier run less than ${windowSeconds} ago, and a restart of this target cannot be checked`,
        );
        return;
      }
    }
    if (idle && !outage && !(await options.probeHealth())) outage = true;
    if (!outage && !rewindPending) await queue.release(t0 - replayWindowMs);
  };

  const applyPendingRewind = async () => {
    if (!rewindPending) return;
    rewindPending = false;
    await rewind(
      "requests to VictoriaMetrics failed at the connection level (a crash loses what it acknowledged in its last seconds)",
    );
  };

  const check = (idle: boolean): Promise<void> => {
    checking ??= (async () => {
      const t0 = now();
      lastCheckAt = t0;
      try {
        // Also when nothing else is queued: the sender then waits for entries, not for this.
        await applyPendingRewind();
        if (mode !== "fallback" && options.readStartTime && (await checkStartTime(t0, options.readStartTime))) return;
        await checkFallback(t0, idle);
      } finally {
        checking = undefined;
      }
    })();
    return checking;
  };

  return {
    get tag() {
      return epoch;
    },
    async beforeSend() {
      if (replayWindowMs <= 0) return;
      await applyPendingRewind();
      if (now() - lastCheckAt >= checkEveryMs) await check(false);
    },
    noteOutage() {
      if (replayWindowMs > 0) outage = true;
    },
    noteDelivered() {
      if (!outage) return;
      outage = false;
      rewindPending = true;
    },
    async afterSent() {
      if (replayWindowMs <= 0) await queue.release(Number.POSITIVE_INFINITY);
    },
    start() {
      if (replayWindowMs <= 0 || timer) return;
      timer = setInterval(() => {
        const stats = queue.stats();
        if ((stats.windowEntries === 0 && !outage && !rewindPending) || checking || now() - lastCheckAt < checkEveryMs)
          return;
        check(stats.pendingEntries === 0).catch((error: unknown) =>
          logger.warn(`checking the replay window failed: ${(error as Error).message}`),
        );
      }, checkEveryMs);
      timer.unref?.();
    },
    async stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
      await checking?.catch(() => undefined);
    },
  };
}
