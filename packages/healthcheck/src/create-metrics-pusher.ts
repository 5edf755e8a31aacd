import { hostname } from "node:os";
import { redactUrl, type Transport } from "@anomaly-writer/transport";
import type { Registry } from "prom-client";
import { PUSH_CONTEXT_COMPONENT } from "./create-writer-metrics.ts";
import { HealthcheckError } from "./errors.ts";
import { explainTransportError } from "./explain-transport-error.ts";
import { formatPushBody } from "./format-push-body.ts";
import { resolvePushUrl } from "./resolve-push-url.ts";

/** Timer functions the pusher schedules with (inject a fake one in tests). */
export interface PushClock {
  setInterval(callback: () => void, ms: number): unknown;
  clearInterval(handle: unknown): void;
}

/** Options of {@link createMetricsPusher} (vmanomaly `monitoring.push`). */
export interface MetricsPusherOptions {
  readonly registry: Registry;
  /** A transport made from `monitoring.push` (its own auth, TLS and timeout). */
  readonly transport: Transport;
  /** `monitoring.push.url`, the base URL of VictoriaMetrics or vminsert. */
  readonly url: string;
  /** `monitoring.push.tenant_id` (`"A"`, `"A:P"`, `"multitenant"`): push to the vminsert tenant path. */
  readonly tenantId?: string;
  /** `push_frequency` in ms; `0` disables periodic pushes (`pushNow` and `stop` still push). */
  readonly frequencyMs: number;
  /** `extra_labels`: set on every pushed sample; they override `job` and `instance`. */
  readonly extraLabels?: Readonly<Record<string, string>>;
  /** Default `vmanomaly`. */
  readonly job?: string;
  /** Default `<hostname>:<pullPort>` when `pullPort` is given, else the host name. */
  readonly instance?: string;
  /** Port of the pull server (`monitoring.pull.port`), for the default `instance`. */
  readonly pullPort?: number;
  /** Push once as soon as `start()` is called. Default true. */
  readonly pushOnStart?: boolean;
  /** Default: the global timers, unref'd so they never keep the process alive. */
  readonly clock?: PushClock;
  /** Failures of pushes nobody awaits (periodic ones, and the one at `stop()` when given). */
  readonly onError?: (error: HealthcheckError) => void;
}

/** Pushes the self-metrics to VictoriaMetrics periodically and once more at shutdown. */
export interface MetricsPusher {
  /** The URL pushes go to, without credentials. */
  readonly url: string;
  /** The labels set on every pushed sample. */
  readonly labels: Readonly<Record<string, string>>;
  /** Start periodic pushes (and push once now unless `pushOnStart` is false). */
  start(): void;
  /** Push now; rejects with a `HealthcheckError` (`HEALTHCHECK_PUSH_FAILED`) when the push fails. */
  pushNow(): Promise<void>;
  /**
   * Stop the timer, wait for a push in flight, and push once more. A failure goes to `onError`
   * when given, else rejects. Later calls do nothing.
   */
  stop(): Promise<void>;
}

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

const defaultClock: PushClock = {
  setInterval(callback, ms) {
    const handle = setInterval(callback, ms);
    handle.unref();
    return handle;
  },
  clearInterval(handle) {
    clearInterval(handle as NodeJS.Timeout);
  },
};

/** Create a pusher of the registry's metrics in Prometheus text format to `/api/v1/import/prometheus`. */
export function createMetricsPusher(options: MetricsPusherOptions): MetricsPusher {
  const pushUrl = resolvePushUrl(options.url, options.tenantId);
  const safeUrl = redactUrl(pushUrl);
  const host = hostname();
  const labels: Record<string, string> = {
    job: options.job ?? "vmanomaly",
    instance: options.instance ?? (options.pullPort === undefined ? host : `${host}:${options.pullPort}`),
    ...options.extraLabels,
  };
  for (const [name, value] of Object.entries(labels)) {
    if (!LABEL_NAME.test(name) || name.startsWith("__")) {
      throw new HealthcheckError(
        "HEALTHCHECK_INVALID_OPTIONS",
        `monitoring.push.extra_labels: ${JSON.stringify(name)} is not a valid label name`,
      );
    }
    if (typeof value !== "string") {
      throw new HealthcheckError(
        "HEALTHCHECK_INVALID_OPTIONS",
        `monitoring.push.extra_labels.${name} must be a string`,
      );
    }
  }
  if (!Number.isFinite(options.frequencyMs) || options.frequencyMs < 0) {
    throw new HealthcheckError(
      "HEALTHCHECK_INVALID_OPTIONS",
      `push_frequency must be a duration of 0 or more, got ${options.frequencyMs} ms`,
    );
  }
  const clock = options.clock ?? defaultClock;

  let timer: unknown;
  let inFlight: Promise<void> | undefined;
  let stopped: Promise<void> | undefined;

  const pushOnce = async (): Promise<void> => {
    const body = await formatPushBody(options.registry, labels);
    if (body === "") return;
    try {
      await options.transport.post(pushUrl, body, {
        contentType: "text/plain; version=0.0.4; charset=utf-8",
        context: { component: PUSH_CONTEXT_COMPONENT },
      });
    } catch (error) {
      const explained = explainTransportError(error, { url: pushUrl, purpose: "push" });
      throw new HealthcheckError("HEALTHCHECK_PUSH_FAILED", `cannot push metrics to ${safeUrl}: ${explained.reason}`, {
        cause: error,
        url: safeUrl,
      });
    }
  };
  // Pushes never overlap: each one starts after the previous one settled.
  const push = (): Promise<void> => {
    const next = (inFlight ?? Promise.resolve()).then(pushOnce);
    const settled = next.then(
      () => undefined,
      () => undefined,
    );
    inFlight = settled;
    void settled.then(() => {
      if (inFlight === settled) inFlight = undefined;
    });
    return next;
  };
  const report = (error: unknown) => {
    options.onError?.(
      error instanceof HealthcheckError
        ? error
        : new HealthcheckError("HEALTHCHECK_PUSH_FAILED", String(error), { cause: error }),
    );
  };

  return {
    url: safeUrl,
    labels,
    start() {
      if (stopped || timer !== undefined) return;
      if (options.frequencyMs > 0) {
        timer = clock.setInterval(() => {
          // A periodic push is skipped while the previous one is still running.
          if (inFlight === undefined) push().catch(report);
        }, options.frequencyMs);
      }
      if (options.pushOnStart ?? true) push().catch(report);
    },
    pushNow: push,
    stop() {
      stopped ??= (async () => {
        if (timer !== undefined) clock.clearInterval(timer);
        timer = undefined;
        try {
          await push();
        } catch (error) {
          if (!options.onError) throw error;
          report(error);
        }
      })();
      return stopped;
    },
  };
}
