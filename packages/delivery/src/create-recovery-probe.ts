import type { Logger } from "@anomaly-writer/common";
import type { AttemptInfo } from "@anomaly-writer/transport";

export interface RecoveryProbeOptions {
  /** One cheap liveness check (a GET of the health URL, one attempt, short timeout). */
  probe: () => Promise<boolean>;
  logger: Logger;
  /** Time between two probes while a request waits out its backoff. Default 1000 ms. */
  intervalMs?: number;
}

/** Ends a request's long backoff as soon as the target answers its health check again. */
export interface RecoveryProbe {
  /** Run `post`; while it backs off after connection-level failures, probe; once the probe answers, start `post` over at once. */
  run<T>(post: (signal: AbortSignal) => Promise<T>, signal: AbortSignal): Promise<T>;
  /** Feed the transport's attempt reports (of the requests `run` makes). */
  observe(info: AttemptInfo): void;
  stop(): void;
}

const CONNECTION_LEVEL = new Set(["connection_error", "timeout", "io_error", "502", "504"]);
const RECOVERED = Symbol("target recovered");

/**
 * While VictoriaMetrics is down, the transport's backoff grows to 60 s; without this, delivery
 * would resume up to a minute after it is back. Instead, during a backoff longer than the probe
 * interval, the health URL is probed every interval (1 s), and the first answer restarts the
 * request at once. A live server's 503/429 is not probed around: its backoff is honoured.
 */
export function createRecoveryProbe(options: RecoveryProbeOptions): RecoveryProbe {
  const intervalMs = options.intervalMs ?? 1000;
  let current: AbortController | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let backoffMs = 0;

  const stopProbing = () => {
    if (timer) clearTimeout(timer);
    timer = undefined;
  };
  const schedule = () => {
    timer = setTimeout(() => {
      const waiting = current;
      void options.probe().then((up) => {
        if (waiting !== current || timer === undefined) return;
        if (!up) return schedule();
        timer = undefined;
        options.logger.info(
          `VictoriaMetrics answers its health check again: sending now instead of waiting out a ${(backoffMs / 1000).toFixed(1)} s backoff`,
        );
        waiting?.abort(RECOVERED);
      });
    }, intervalMs);
  };

  return {
    async run(post, signal) {
      for (;;) {
        const attempt = new AbortController();
        const onAbort = () => attempt.abort(signal.reason);
        if (signal.aborted) attempt.abort(signal.reason);
        signal.addEventListener("abort", onAbort, { once: true });
        current = attempt;
        try {
          return await post(attempt.signal);
        } catch (error) {
          if (attempt.signal.reason === RECOVERED && !signal.aborted) continue;
          throw error;
        } finally {
          signal.removeEventListener("abort", onAbort);
          current = undefined;
          stopProbing();
        }
      }
    },
    observe(info) {
      if (!current || info.ok || !info.willRetry || !CONNECTION_LEVEL.has(info.code)) return;
      backoffMs = info.delayMs ?? 0;
      if (backoffMs > intervalMs && timer === undefined) schedule();
    },
    stop: stopProbing,
  };
}
