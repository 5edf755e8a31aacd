import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { httpSend, startVictoriaMetrics, type VictoriaMetricsServer } from "@anomaly-writer/test-stack";
import { startCli } from "./run-cli.ts";

// Two days ago, to the minute: inside any retention, and record n at T0 + n s stays in the past
// for 170 000 records (a writer that cannot read the server's limits checks against its defaults).
const T0 = Math.floor((Date.now() - 2 * 86_400_000) / 60_000) * 60_000;

/** One point per record, unique per record: `instance=r<n>`, timestamp T0+n s, value n. */
export function faultRecord(queryKey: string, n: number) {
  // `pad` varies the encoded size, so request bodies do not all share a length.
  return {
    query_key: queryKey,
    labels: { instance: `r${n}`, pad: "p".repeat((n % 7) + 1) },
    timestamps: [T0 + n * 1000],
    outputs: { anomaly_score: [n] },
  };
}

const keyOf = (instance: string, ts: number, value: number) => `${instance}@${ts}=${value}`;

/** Start `serve` and wait until /health answers (200, or any status with `anyHealth`). */
export async function startServe(
  config: string,
  port: number,
  options: { anyHealth?: boolean; extraArgs?: readonly string[] } = {},
) {
  const child = startCli(["serve", "-c", config, "--listen", `127.0.0.1:${port}`, ...(options.extraArgs ?? [])]);
  started.add(child);
  child.once("exit", () => started.delete(child));
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 200; i++) {
    if (child.exitCode !== null) throw new Error(`serve exited: ${child.output().stderr}`);
    const status = await httpSend(`${base}/health`, { timeoutMs: 500 }).then(
      (r) => r.status,
      () => 0,
    );
    if (status === 200 || (options.anyHealth && status > 0)) return { child, base };
    await sleep(50);
  }
  throw new Error(`serve did not become healthy: ${child.output().stderr}`);
}

/** serve processes still running, so that a failed test does not leave them behind. */
const started = new Set<ReturnType<typeof startCli>>();

/** Kill (SIGKILL) every serve a test started and left running (for an afterEach). */
export function killLeftoverServes(): void {
  for (const child of started) child.kill("SIGKILL");
  started.clear();
}

/** Wait until `text()` matches `pattern` at least `count` times. */
export async function waitForText(text: () => string, pattern: RegExp, count = 1, timeoutMs = 30_000): Promise<void> {
  const global = new RegExp(pattern.source, pattern.flags.includes("g") ? pattern.flags : `${pattern.flags}g`);
  const deadline = Date.now() + timeoutMs;
  while ((text().match(global)?.length ?? 0) < count) {
    if (Date.now() > deadline)
      throw new Error(`waited ${timeoutMs} ms for ${count} × ${pattern}; the text ends with:\n${text().slice(-3000)}`);
    await sleep(50);
  }
}

/** POSTs `perPost` records every `everyMs` to serve; remembers exactly what was acknowledged (2xx). */
export function startStream(
  getBase: () => string,
  queryKey: string,
  options: { everyMs?: number; perPost?: number | ((post: number) => number) } = {},
) {
  const acknowledged = new Set<string>();
  const statuses = new Map<number, number>();
  let n = 0;
  let posts = 0;
  let running = true;
  const perPost =
    typeof options.perPost === "function" ? options.perPost : () => (options.perPost as number | undefined) ?? 5;
  const loop = (async () => {
    while (running) {
      const records = Array.from({ length: perPost(posts++) }, () => faultRecord(queryKey, n++));
      const status = await httpSend(`${getBase()}/api/v1/outputs`, {
        method: "POST",
        body: JSON.stringify(records),
        timeoutMs: 5000,
      }).then(
        (r) => r.status,
        () => 0,
      );
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
      if (status >= 200 && status < 300)
        for (const r of records)
          acknowledged.add(keyOf(r.labels.instance, r.timestamps[0] ?? 0, r.outputs.anomaly_score[0] ?? 0));
      await sleep(options.everyMs ?? 20);
    }
  })();
  return {
    acknowledged,
    statuses,
    async stop() {
      running = false;
      await loop;
    },
  };
}

/** Wait until the stream has `more` acknowledged records beyond what it had when called (the writer took them). */
export async function waitForMoreAcknowledged(
  stream: { readonly acknowledged: ReadonlySet<string> },
  more: number,
  timeoutMs = 30_000,
): Promise<void> {
  const target = stream.acknowledged.size + more;
  const deadline = Date.now() + timeoutMs;
  while (stream.acknowledged.size < target) {
    if (Date.now() > deadline)
      throw new Error(
        `waited ${timeoutMs} ms for ${more} more acknowledged records; got ${stream.acknowledged.size - target + more}`,
      );
    await sleep(20);
  }
}

/** Wait until serve's durable queue is empty (its /metrics says so). */
export async function waitForEmptyQueue(base: string, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const text = await httpSend(`${base}/metrics`).then(
      (r) => r.body,
      () => "",
    );
    if (/^anomaly_writer_queue_pending_entries 0$/m.test(text)) return;
    await sleep(200);
  }
  throw new Error("the durable queue did not drain in time");
}

/** The key of one fault record, as `acknowledged` and `verifyDelivery` use it. */
export function faultKey(record: ReturnType<typeof faultRecord>): string {
  return keyOf(record.labels.instance, record.timestamps[0] ?? 0, record.outputs.anomaly_score[0] ?? 0);
}

/** Points found in dead-letter files, as keys. */
export function deadLetterKeys(path: string): Set<string> {
  const keys = new Set<string>();
  let text = "";
  try {
    text = readFileSync(path, "utf8");
  } catch {
    return keys;
  }
  for (const line of text.split("\n").filter(Boolean)) {
    const letter = JSON.parse(line) as { body: string };
    for (const series of letter.body.split("\n").filter(Boolean)) {
      // JSON lines, or Prometheus text (`name{k="v",...} value timestamp_ms`, single-point series with wire_format auto).
      const text = /\binstance="([^"]*)"[^}]*\} (\S+) (\d+)$/.exec(series);
      if (text) {
        keys.add(keyOf(text[1] ?? "", Number(text[3]), Number(text[2])));
        continue;
      }
      const s = JSON.parse(series) as { metric: Record<string, string>; values: number[]; timestamps: number[] };
      s.timestamps.forEach((ts, i) => keys.add(keyOf(s.metric.instance ?? "", ts, s.values[i] ?? Number.NaN)));
    }
  }
  return keys;
}

/** Compare what VictoriaMetrics holds with what was acknowledged; print the figures. */
export async function verifyDelivery(
  name: string,
  vm: VictoriaMetricsServer,
  queryKey: string,
  acknowledged: Set<string>,
  deadLettered = new Set<string>(),
) {
  const series = await vm.exportSeries(`{for="${queryKey}"}`);
  const found = new Set<string>();
  let duplicates = 0;
  for (const s of series) {
    s.timestamps.forEach((ts, i) => found.add(keyOf(s.metric.instance ?? "", ts, s.values[i] ?? Number.NaN)));
    duplicates += s.timestamps.length - new Set(s.timestamps).size;
  }
  const missing = [...acknowledged].filter((k) => !found.has(k) && !deadLettered.has(k));
  const deadAcked = [...acknowledged].filter((k) => deadLettered.has(k) && !found.has(k)).length;
  console.log(
    `[fault] ${name}: acknowledged ${acknowledged.size}, read back ${found.size}, duplicates ${duplicates}, dead-lettered ${deadAcked}, missing ${missing.length}`,
  );
  return { missing, found, duplicates };
}

/** Run `run` with a VictoriaMetrics of its own (a test that kills, stops or restarts it), stopped afterwards. */
export async function withVm(run: (vm: VictoriaMetricsServer) => Promise<void>): Promise<void> {
  const vm = await startVictoriaMetrics();
  try {
    await run(vm);
  } finally {
    await vm.stop();
  }
}

/**
 * Write the config of a `serve` with a durable queue into `dir` as `<name>.yml` (a 500 ms request
 * timeout unless given, so that faults show fast; the queue in `dir/queue-<name>` unless given);
 * returns its path.
 */
export function writeQueueConfig(
  dir: string,
  name: string,
  url: string,
  options: { readonly queuePath?: string; readonly queueExtra?: string; readonly timeout?: string } = {},
): string {
  const path = join(dir, `${name}.yml`);
  const queuePath = options.queuePath ?? join(dir, `queue-${name}`);
  writeFileSync(
    path,
    `writer:\n  datasource_url: ${url}\n  timeout: ${options.timeout ?? "500ms"}\n  queue:\n    path: ${queuePath}\n${options.queueExtra ?? ""}`,
  );
  return path;
}
