import type { WriterMetrics } from "@anomaly-writer/healthcheck";
import type { DurableQueue } from "@anomaly-writer/queue";
import { Counter, Gauge } from "prom-client";

/** The durable queue's own self-metrics, registered once per registry. */
export interface QueueMetrics {
  readonly deadLettered: Counter<"url">;
  readonly credentialStops: Counter<"url">;
  readonly replayed: Counter<"url">;
}

/** Register (or reuse) the queue's counters and gauges in `metrics.registry`; gauges read `queue()` when scraped. */
export function createQueueMetrics(metrics: WriterMetrics, queue: () => DurableQueue | undefined): QueueMetrics {
  const registry = metrics.registry;
  const existing = <T>(name: string) => registry.getSingleMetric(name) as T | undefined;
  const counter = (name: string, help: string) => existing<Counter<"url">>(name) ?? new Counter({ name, help, labelNames: ["url"], registers: [registry] });
  const gauge = (name: string, help: string, value: () => number) => {
    if (existing(name)) return;
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        this.set(value());
      },
    });
  };
  gauge("anomaly_writer_queue_oldest_entry_age_seconds", "Age of the oldest entry waiting in the durable queue (0 when empty).", () => {
    const oldest = queue()?.stats().oldestEnqueuedAt;
    return oldest === undefined ? 0 : Math.max(0, (Date.now() - oldest) / 1000);
  });
  gauge("anomaly_writer_queue_replay_window_bytes", "Bytes sent but kept on disk until VictoriaMetrics surely holds them (the replay window).", () => queue()?.stats().windowBytes ?? 0);
  return {
    deadLettered: counter("anomaly_writer_dead_letter_datapoints_total", "Datapoints moved to the dead-letter file after a permanent refusal."),
    credentialStops: counter("anomaly_writer_queue_credential_stops_total", "Times the queue sender paused because the target refused the credentials (401/403)."),
    replayed: counter("anomaly_writer_queue_replayed_datapoints_total", "Datapoints sent again because the target may have lost them (restart, crash or outage within the replay window)."),
  };
}
