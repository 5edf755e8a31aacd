import { setTimeout as sleep } from "node:timers/promises";
import { httpSend } from "@anomaly-writer/test-stack";
import { faultRecord } from "./fault-stream.ts";

/** The key `verifyDelivery` compares: `instance@timestamp=value`. */
const keyOf = (record: ReturnType<typeof faultRecord>) =>
  `${record.labels.instance}@${record.timestamps[0]}=${record.outputs.anomaly_score[0]}`;

/** Options of {@link startRetryingLoad}. */
export interface RetryingLoadOptions {
  /** Concurrent senders. Default 3. */
  workers?: number;
  /** Records (one datapoint each) per request. Default 10. */
  perPost?: number;
  /** How long one batch is retried before the loop gives up on it. Default 30 s. */
  giveUpMs?: number;
}

/**
 * A client like a detector's: `workers` loops POST batches of uniquely numbered records
 * (`faultRecord`) to `url()/api/v1/outputs`, and retry each batch on a non-2xx answer or a
 * network error until it is acknowledged. `stop()` lets every started batch finish.
 */
export function startRetryingLoad(url: () => string, queryKey: string, options: RetryingLoadOptions = {}) {
  const acknowledged = new Set<string>();
  /** Answers by status (0: network error), retries included. */
  const statuses = new Map<number, number>();
  let unacknowledged = 0;
  let next = 0;
  let running = true;
  const perPost = options.perPost ?? 10;
  const giveUpMs = options.giveUpMs ?? 30_000;

  const sendUntilAcknowledged = async (records: ReturnType<typeof faultRecord>[]) => {
    const body = JSON.stringify(records);
    const deadline = Date.now() + giveUpMs;
    while (Date.now() < deadline) {
      const status = await httpSend(`${url()}/api/v1/outputs`, { method: "POST", body, timeoutMs: 5000 }).then(
        (r) => r.status,
        () => 0,
      );
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
      if (status >= 200 && status < 300) {
        for (const record of records) acknowledged.add(keyOf(record));
        return;
      }
      await sleep(50);
    }
    unacknowledged += records.length;
  };
  const worker = async () => {
    while (running) {
      const records = Array.from({ length: perPost }, () => faultRecord(queryKey, next++));
      await sendUntilAcknowledged(records);
    }
  };
  const loops = Array.from({ length: options.workers ?? 3 }, worker);

  return {
    acknowledged,
    statuses,
    /** Datapoints of batches given up after `giveUpMs` (never acknowledged). */
    get unacknowledged() {
      return unacknowledged;
    },
    /** Wait until at least `count` datapoints are acknowledged. */
    async waitForAcknowledged(count: number, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      while (acknowledged.size < count) {
        if (Date.now() > deadline)
          throw new Error(
            `only ${acknowledged.size} of ${count} datapoints acknowledged; answers ${JSON.stringify(Object.fromEntries(statuses))}`,
          );
        await sleep(20);
      }
    },
    async stop() {
      running = false;
      await Promise.all(loops);
    },
  };
}
