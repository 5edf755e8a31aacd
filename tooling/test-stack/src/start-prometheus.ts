import type { ChildProcess } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { findBinary, freePort, httpSend, readLogTail, spawnLogged } from "@anomaly-writer/local-vm";

export interface StartPrometheusOptions {
  /** Binary name on PATH or absolute path. Default `prometheus` (Debian package `prometheus`). */
  binary?: string;
  /** More command-line flags, e.g. `["--storage.tsdb.retention.time=1d"]`. */
  flags?: readonly string[];
  /** How long to wait for `/-/ready`. Default 30 s. */
  startTimeoutMs?: number;
}

/** One sample as the query API returns it, with the timestamp in Unix milliseconds. */
export interface PrometheusSample {
  readonly timestamp: number;
  readonly value: number;
}

/** One series of a query result: an instant vector has one sample, a range vector all of them. */
export interface PrometheusSeries {
  readonly metric: Readonly<Record<string, string>>;
  readonly samples: readonly PrometheusSample[];
}

/** A running Prometheus with its remote-write receiver on. */
export interface PrometheusServer {
  /** Base URL without trailing slash; remote write goes to `{url}/api/v1/write`. */
  readonly url: string;
  readonly port: number;
  readonly dir: string;
  /**
   * `GET /api/v1/query?query=expr&time=...` (`time` in Unix ms, default now). Vectors and
   * matrices come back as series sorted by their labels; a scalar as one series without labels.
   */
  query(expr: string, time?: number): Promise<PrometheusSeries[]>;
  logTail(lines?: number): string;
  /** Stop (SIGTERM, then SIGKILL after 5 s) and remove the temporary directory. */
  stop(): Promise<void>;
}

const INSTALL_HINT = "apt-get install prometheus";

interface QueryAnswer {
  status: string;
  error?: string;
  data?: {
    resultType: "vector" | "matrix" | "scalar" | "string";
    result: unknown;
  };
}

type RawPoint = [number, string];

/**
 * Start Prometheus (from Debian's `prometheus` package) on a free loopback port with a temporary
 * storage path, a config without scrape jobs and `--web.enable-remote-write-receiver`, and wait
 * until `/-/ready` answers 200.
 */
export async function startPrometheus(options: StartPrometheusOptions = {}): Promise<PrometheusServer> {
  const binary = findBinary(options.binary ?? "prometheus", INSTALL_HINT);
  const dir = await mkdtemp(join(tmpdir(), "anomaly-writer-prometheus-"));
  const configFile = join(dir, "prometheus.yml");
  const logFile = join(dir, "prometheus.log");
  await writeFile(configFile, "global:\n  scrape_interval: 1m\n  evaluation_interval: 1m\n");

  const logTail = (lines = 20) => readLogTail(logFile, lines);

  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  let url = "";
  let port = 0;

  const launch = async (): Promise<void> => {
    port = await freePort();
    url = `http://127.0.0.1:${port}`;
    const started = spawnLogged(
      binary,
      [
        `--config.file=${configFile}`,
        `--storage.tsdb.path=${join(dir, "data")}`,
        `--web.listen-address=127.0.0.1:${port}`,
        "--web.enable-remote-write-receiver",
        ...(options.flags ?? []),
      ],
      logFile,
    );
    const proc = started.child;
    child = proc;
    exited = started.exited;
    const deadline = Date.now() + (options.startTimeoutMs ?? 30_000);
    while (Date.now() < deadline) {
      if (started.exitCode() !== undefined)
        throw new Error(
          `[test-stack] prometheus exited with code ${started.exitCode()} while starting on 127.0.0.1:${port}:\n${logTail()}`,
        );
      try {
        if ((await httpSend(`${url}/-/ready`, { timeoutMs: 1000 })).status === 200) return;
      } catch {
        // not listening yet
      }
      await sleep(50);
    }
    proc.kill("SIGKILL");
    await exited;
    throw new Error(`[test-stack] prometheus did not answer /-/ready within the start timeout:\n${logTail()}`);
  };

  // A free port can be taken between our probe and the server's bind: retry on a new one.
  for (let attempt = 1; ; attempt++) {
    try {
      await launch();
      break;
    } catch (error) {
      if (attempt >= 3 || !/address already in use/i.test(logTail(5))) {
        await rm(dir, { recursive: true, force: true });
        throw error;
      }
    }
  }

  return {
    url,
    port,
    dir,
    async query(expr, time = Date.now()) {
      const params = new URLSearchParams({ query: expr, time: (time / 1000).toFixed(3) });
      const res = await httpSend(`${url}/api/v1/query?${params.toString()}`, { timeoutMs: 30_000 });
      const answer = JSON.parse(res.body) as QueryAnswer;
      if (res.status !== 200 || answer.status !== "success" || answer.data === undefined) {
        throw new Error(
          `[test-stack] prometheus query ${JSON.stringify(expr)} answered ${res.status}: ${answer.error ?? res.body}`,
        );
      }
      const point = ([seconds, value]: RawPoint): PrometheusSample => ({
        timestamp: Math.round(seconds * 1000),
        value: Number(value),
      });
      const { resultType, result } = answer.data;
      let series: PrometheusSeries[];
      if (resultType === "vector") {
        series = (result as { metric: Record<string, string>; value: RawPoint }[]).map((s) => ({
          metric: s.metric,
          samples: [point(s.value)],
        }));
      } else if (resultType === "matrix") {
        series = (result as { metric: Record<string, string>; values: RawPoint[] }[]).map((s) => ({
          metric: s.metric,
          samples: s.values.map(point),
        }));
      } else {
        series = [{ metric: {}, samples: [point(result as RawPoint)] }];
      }
      return series.sort((a, b) => sortKey(a.metric).localeCompare(sortKey(b.metric)));
    },
    logTail,
    async stop() {
      if (child && child.exitCode === null && child.signalCode === null) {
        child.kill("SIGTERM");
        const timer = setTimeout(() => child?.kill("SIGKILL"), 5000);
        await exited;
        clearTimeout(timer);
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}

function sortKey(labels: Readonly<Record<string, string>>): string {
  return JSON.stringify(
    Object.keys(labels)
      .sort()
      .map((name) => [name, labels[name]]),
  );
}
