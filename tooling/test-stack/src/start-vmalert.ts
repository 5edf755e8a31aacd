import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { findBinary, freePort, httpSend, readLogTail, spawnLogged } from "@anomaly-writer/local-vm";
import { stopProcess, waitForHealthy } from "./managed-process.ts";

export interface StartVmalertOptions {
  /** Rule files (`-rule`), loaded as they are. */
  rules: readonly string[];
  /** Where rules are evaluated (`-datasource.url`), e.g. a VictoriaMetrics URL. */
  datasourceUrl: string;
  /** Where alert states (`ALERTS`, `ALERTS_FOR_STATE`) are written back (`-remoteWrite.url`). */
  remoteWriteUrl?: string;
  /** `-evaluationInterval`. Default `1s`. */
  evaluationInterval?: string;
  /** More command-line flags. */
  flags?: readonly string[];
}

/** One alert as vmalert's `/api/v1/alerts` lists it. */
export interface VmalertAlert {
  readonly name: string;
  readonly state: "pending" | "firing" | "inactive";
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  readonly value: string;
}

/** A running vmalert and the Alertmanager-style receiver its notifications go to. */
export interface VmalertServer {
  readonly url: string;
  /** The alerts vmalert holds now (pending and firing). */
  alerts(): Promise<VmalertAlert[]>;
  /**
   * Poll `/api/v1/alerts` until an alert named `name` is in `state` (and `match`es); throws with
   * what vmalert held and its log after `timeoutMs`.
   */
  waitForAlert(
    name: string,
    state: VmalertAlert["state"],
    options?: { match?: (alert: VmalertAlert) => boolean; timeoutMs?: number },
  ): Promise<VmalertAlert>;
  /** Alerts vmalert sent to its notifier (`POST /api/v2/alerts` bodies, flattened), oldest first. */
  notifications(): readonly { labels: Record<string, string>; annotations: Record<string, string> }[];
  logTail(lines?: number): string;
  stop(): Promise<void>;
}

/**
 * The notifier vmalert 1.79 insists on (`-notifier.url`; `-notifier.blackhole` came later): a
 * loopback HTTP server that keeps the alerts posted to `/api/v2/alerts` and answers 200.
 */
async function startNotifierReceiver(
  received: { labels: Record<string, string>; annotations: Record<string, string> }[],
): Promise<Server> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      if (req.method === "POST" && req.url === "/api/v2/alerts") {
        try {
          received.push(...(JSON.parse(Buffer.concat(chunks).toString("utf8")) as typeof received));
        } catch {
          res.writeHead(400).end("not JSON");
          return;
        }
      }
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return server;
}

/** Start vmalert (Debian `victoria-metrics` package) on a free loopback port and wait for /health. */
export async function startVmalert(options: StartVmalertOptions): Promise<VmalertServer> {
  const binary = findBinary("vmalert", "apt-get install victoria-metrics");
  const dir = await mkdtemp(join(tmpdir(), "anomaly-writer-vmalert-"));
  const logFile = join(dir, "vmalert.log");
  const received: { labels: Record<string, string>; annotations: Record<string, string> }[] = [];
  const receiver = await startNotifierReceiver(received);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const args = [
    `-httpListenAddr=127.0.0.1:${port}`,
    `-datasource.url=${options.datasourceUrl}`,
    `-notifier.url=http://127.0.0.1:${(receiver.address() as AddressInfo).port}`,
    `-evaluationInterval=${options.evaluationInterval ?? "1s"}`,
    ...(options.remoteWriteUrl
      ? [`-remoteWrite.url=${options.remoteWriteUrl}`, "-remoteWrite.flushInterval=200ms"]
      : []),
    ...options.rules.map((file) => `-rule=${file}`),
    ...(options.flags ?? []),
  ];
  const { child, exited } = spawnLogged(binary, args, logFile);
  const logTail = (lines = 20) => readLogTail(logFile, lines);
  const stop = async () => {
    await stopProcess(child, exited);
    await new Promise<void>((resolve) => receiver.close(() => resolve()));
    await rm(dir, { recursive: true, force: true });
  };
  const problem = await waitForHealthy("vmalert", url, child, logTail);
  if (problem) {
    await stop();
    throw new Error(problem);
  }
  const alerts = async (): Promise<VmalertAlert[]> => {
    const res = await httpSend(`${url}/api/v1/alerts`, { timeoutMs: 5000 });
    if (res.status !== 200)
      throw new Error(`[test-stack] vmalert /api/v1/alerts answered ${res.status}: ${res.body.slice(0, 200)}`);
    return (JSON.parse(res.body) as { data: { alerts: VmalertAlert[] | null } }).data.alerts ?? [];
  };
  return {
    url,
    alerts,
    async waitForAlert(name, state, { match = () => true, timeoutMs = 30_000 } = {}) {
      const until = Date.now() + timeoutMs;
      let seen: VmalertAlert[] = [];
      for (;;) {
        seen = await alerts();
        const found = seen.find((a) => a.name === name && a.state === state && match(a));
        if (found) return found;
        if (Date.now() > until) {
          const held = seen.map((a) => `${a.name}(${a.state}) ${JSON.stringify(a.labels)}`).join("; ") || "none";
          throw new Error(
            `[test-stack] vmalert: no ${state} alert ${name} within ${timeoutMs} ms; it held: ${held}\n${logTail(10)}`,
          );
        }
        await sleep(100);
      }
    },
    notifications: () => received,
    logTail,
    stop,
  };
}
