import { registerCounter, registerGauge, type WriterMetrics } from "@anomaly-writer/healthcheck";
import type { DurableQueue } from "@anomaly-writer/queue";
import type { Counter } from "prom-client";

/** The durable queue's own self-metrics, registered once per registry. */
export interface QueueMetrics {
  readonly deadLettered: Counter<"url">;
  readonly credentialStops: Counter<"url">;
  readonly replayed: Counter<"url">;
}

/** Register (or reuse) the queue's counters and gauges in `metrics.registry`; gauges read `queue()` when scraped. */
export function createQueueMetrics(metrics: WriterMetrics, queue: () => DurableQueue | undefined): QueueMetrics {
  const registry = metrics.registry;
  registerGauge(registry, {
    name: "anomaly_writer_queue_oldest_entry_age_seconds",
    help: "Age of the oldest entry waiting in the durable queue (0 when empty).",
    collect: (gauge) => {
      const oldest = queue()?.stats().oldestEnqueuedAt;
      gauge.set(oldest === undefined ? 0 : Math.max(0, (Date.now() - oldest) / 1000));
    },
  });
  registerGauge(registry, {
    name: "anomaly_writer_queue_replay_window_bytes",
    help: "Bytes sent but kept on disk until VictoriaMetrics surely holds them (the replay window).",
    collect: (gauge) => gauge.set(queue()?.stats().windowBytes ?? 0),
  });
  const counter = (name: string, help: string) => registerCounter(registry, { name, help, labelNames: ["url"] });
  return {
    deadLettered: counter(
      "anomaly_writer_dead_letter_datapoints_total",
      "Datapoints moved to the dead-letter file after a permanent refusal.",
    ),
    credentialStops: counter(
      "anomaly_writer_queue_credential_stops_total",
      "Times the queue sender paused because the target refused the credentials (401/403).",
    ),
    replayed: counter(
      "anomaly_writer_queue_replayed_datapoints_total",
      "Datapoints sent again because the target may have lost them (restart, crash or outage within the replay window).",
    ),
  };
}
