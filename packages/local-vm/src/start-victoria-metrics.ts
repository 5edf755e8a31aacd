import type { ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { LocalServerError } from "./errors.ts";
import { findBinary } from "./find-binary.ts";
import { freePort } from "./free-port.ts";
import { type HttpRequestOptions, httpSend } from "./http-request.ts";
import { readLogTail, spawnLogged } from "./spawn-logged.ts";

export interface StartVictoriaMetricsOptions {
  /** Binary name on PATH or absolute path. Default `victoria-metrics`. */
  binary?: string;
  /** Work directory (data and log). Default: a new temporary directory, removed on stop. */
  workDir?: string;
  /** Loopback host to listen on. Default `127.0.0.1`. */
  host?: string;
  /** Port; default a free one. */
  port?: number;
  /** HTTP basic auth the server demands (`-httpAuth.*`). */
  auth?: { username: string; password: string };
  /** Serve HTTPS (`-tls`). `caFile` is what the helpers trust. */
  tls?: { certFile: string; keyFile: string; caFile?: string };
  /** More command-line flags, e.g. `["-maxLabelsPerTimeseries=50"]`. */
  flags?: readonly string[];
  /** How long to wait for `/health`. Default 20 s. */
  startTimeoutMs?: number;
}

/** One exported series as VictoriaMetrics' `/api/v1/export` prints it. */
export interface ExportedSeries {
  readonly metric: Readonly<Record<string, string>>;
  readonly values: readonly number[];
  readonly timestamps: readonly number[];
}

/** A running VictoriaMetrics single node. */
export interface VictoriaMetricsServer {
  /** Base URL without trailing slash, e.g. `http://127.0.0.1:38123`. */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  readonly workDir: string;
  readonly dataDir: string;
  readonly logFile: string;
  readonly pid: number | undefined;
  /** Make everything written so far searchable (`/internal/force_flush`). */
  flush(): Promise<void>;
  /** Flush, then export the series matching `match` (default: all). Sorted by labels. */
  exportSeries(match?: string | readonly string[]): Promise<ExportedSeries[]>;
  /** POST JSON lines to `/api/v1/import` (for tests and the demo's comparisons). */
  importLines(body: string): Promise<void>;
  /** A GET or POST against the server with its auth and TLS settings. */
  request(path: string, options?: HttpRequestOptions): ReturnType<typeof httpSend>;
  /** Send a signal: SIGKILL to crash it, SIGSTOP/SIGCONT to freeze and resume it. */
  signal(signal: NodeJS.Signals): void;
  /** Start it again on the same port and data directory (after a stop or a kill). */
  restart(): Promise<void>;
  /** Stop gracefully (SIGTERM, then SIGKILL after 5 s); removes a temporary work dir. */
  stop(options?: { keepData?: boolean }): Promise<void>;
  /** The tail of the server log, for error messages. */
  logTail(lines?: number): string;
}

const INSTALL_HINT = "apt-get install victoria-metrics";

/** Start a VictoriaMetrics single node on loopback and wait until `/health` answers. */
export async function startVictoriaMetrics(options: StartVictoriaMetricsOptions = {}): Promise<VictoriaMetricsServer> {
  const binary = findBinary(options.binary ?? "victoria-metrics", INSTALL_HINT);
  const host = options.host ?? "127.0.0.1";
  const ownsWorkDir = options.workDir === undefined;
  const workDir = options.workDir ?? (await mkdtemp(join(tmpdir(), "anomaly-writer-vm-")));
  const dataDir = join(workDir, "data");
  const logFile = join(workDir, "victoria-metrics.log");
  await mkdir(dataDir, { recursive: true });
  const scheme = options.tls ? "https" : "http";
  const tlsCa = options.tls?.caFile ? readFileSync(options.tls.caFile) : undefined;
  const baseRequest: HttpRequestOptions = {
    ...(tlsCa ? { ca: tlsCa } : {}),
    ...(options.tls && !tlsCa ? { insecure: true } : {}),
    ...(options.auth
      ? {
          headers: {
            authorization: `Basic ${Buffer.from(`${options.auth.username}:${options.auth.password}`).toString("base64")}`,
          },
        }
      : {}),
  };

  let port = options.port ?? (await freePort(host));
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();

  const args = (): string[] => [
    `-storageDataPath=${dataDir}`,
    `-httpListenAddr=${host}:${port}`,
    "-retentionPeriod=100y",
    "-search.latencyOffset=0s",
    "-search.disableCache",
    ...(options.auth
      ? [`-httpAuth.username=${options.auth.username}`, `-httpAuth.password=${options.auth.password}`]
      : []),
    ...(options.tls ? ["-tls", `-tlsCertFile=${options.tls.certFile}`, `-tlsKeyFile=${options.tls.keyFile}`] : []),
    ...(options.flags ?? []),
  ];

  const url = (): string => `${scheme}://${host}:${port}`;
  const request = (path: string, init: HttpRequestOptions = {}) =>
    httpSend(`${url()}${path}`, { ...baseRequest, ...init, headers: { ...baseRequest.headers, ...init.headers } });

  const logTail = (lines = 20): string => readLogTail(logFile, lines) || "(no log)";

  const launch = async (): Promise<void> => {
    const started = spawnLogged(binary, args(), logFile);
    const proc = started.child;
    child = proc;
    exited = started.exited;
    const deadline = Date.now() + (options.startTimeoutMs ?? 20_000);
    while (Date.now() < deadline) {
      if (started.exitCode() !== undefined) {
        throw new LocalServerError(
          "LOCAL_VM_START_FAILED",
          `victoria-metrics exited with code ${started.exitCode()} while starting on ${host}:${port}:\n${logTail()}`,
        );
      }
      try {
        const res = await request("/health", { timeoutMs: 1000 });
        if (res.status === 200) return;
      } catch {
        // not listening yet
      }
      await sleep(50);
    }
    proc.kill("SIGKILL");
    throw new LocalServerError(
      "LOCAL_VM_START_FAILED",
      `victoria-metrics did not answer /health within the start timeout:\n${logTail()}`,
    );
  };

  // A free port can be taken between our probe and the server's bind: retry on a new one.
  for (let attempt = 1; ; attempt++) {
    try {
      await launch();
      break;
    } catch (error) {
      const portTaken = /address already in use/i.test(logTail(5));
      if (options.port !== undefined || attempt >= 3 || !portTaken) {
        if (ownsWorkDir) await rm(workDir, { recursive: true, force: true });
        throw error;
      }
      port = await freePort(host);
    }
  }

  const server: VictoriaMetricsServer = {
    get url() {
      return url();
    },
    host,
    get port() {
      return port;
    },
    workDir,
    dataDir,
    logFile,
    get pid() {
      return child?.pid;
    },
    async flush() {
      const res = await request("/internal/force_flush");
      if (res.status !== 200)
        throw new LocalServerError("LOCAL_VM_REQUEST_FAILED", `force_flush answered ${res.status}: ${res.body}`);
    },
    async exportSeries(match = '{__name__=~".+"}') {
      await server.flush();
      const matches = typeof match === "string" ? [match] : match;
      // Without `end`, VictoriaMetrics may leave out samples stamped "now" (e.g. pushed metrics).
      const end = Math.floor(Date.now() / 1000) + 86_400;
      const body = `${matches.map((m) => `match[]=${encodeURIComponent(m)}`).join("&")}&start=0&end=${end}`;
      const res = await request("/api/v1/export", {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body,
        timeoutMs: 60_000,
      });
      if (res.status !== 200)
        throw new LocalServerError("LOCAL_VM_REQUEST_FAILED", `export answered ${res.status}: ${res.body}`);
      const series = res.body
        .split("\n")
        .filter((line) => line.trim() !== "")
        .map((line) => JSON.parse(line) as ExportedSeries);
      return series.sort((a, b) => labelKey(a.metric).localeCompare(labelKey(b.metric)));
    },
    async importLines(body) {
      const res = await request("/api/v1/import", { method: "POST", body, timeoutMs: 60_000 });
      if (res.status >= 300)
        throw new LocalServerError("LOCAL_VM_REQUEST_FAILED", `import answered ${res.status}: ${res.body}`);
    },
    request,
    signal(signal) {
      child?.kill(signal);
    },
    async restart() {
      if (child && child.exitCode === null && child.signalCode === null) {
        child.kill("SIGCONT");
        child.kill("SIGTERM");
        await exited;
      }
      await launch();
    },
    async stop(stopOptions = {}) {
      if (child && child.exitCode === null && child.signalCode === null) {
        child.kill("SIGCONT");
        child.kill("SIGTERM");
        const timer = setTimeout(() => child?.kill("SIGKILL"), 5000);
        await exited;
        clearTimeout(timer);
      }
      if (ownsWorkDir && !stopOptions.keepData) await rm(workDir, { recursive: true, force: true });
    },
    logTail,
  };
  return server;
}

/** A stable text key of a label set: `{a="1",b="2"}` with sorted names. */
export function labelKey(labels: Readonly<Record<string, string>>): string {
  const names = Object.keys(labels).sort();
  return `{${names.map((name) => `${name}=${JSON.stringify(labels[name])}`).join(",")}}`;
}
