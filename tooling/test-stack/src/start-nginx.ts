import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { findBinary, freePort, trackChild, untrackChild } from "@anomaly-writer/local-vm";
import { stopProcess } from "./managed-process.ts";
import { renderNginxConfig } from "./render-nginx-config.ts";
import { waitForPort } from "./wait-for-port.ts";

export interface StartNginxOptions {
  /**
   * Where requests go, e.g. a VictoriaMetrics URL `http://127.0.0.1:8428`. Several URLs (same
   * scheme) make nginx a round-robin load balancer over them.
   */
  upstream: string | readonly string[];
  /** Parameters appended to each upstream `server` line, e.g. `max_fails=1 fail_timeout=1s`. */
  upstreamServerParameters?: string;
  /**
   * Emulate a cluster vminsert: `/insert/A:P/prometheus/...` adds `vm_account_id`/`vm_project_id`
   * labels, `/insert/A/prometheus/...` means `A:0`, `/insert/multitenant/prometheus/...` passes
   * labels through; other paths but `/health` and `/metrics` answer 400 like vminsert.
   */
  cluster?: boolean;
  /** Serve everything below this path prefix (e.g. `/vm`), as a reverse proxy would. */
  pathPrefix?: string;
  /** Demand HTTP basic auth. */
  basicAuth?: { username: string; password: string };
  /** Serve HTTPS with this certificate. */
  tls?: { certFile: string; keyFile: string };
  /** mTLS: demand a client certificate signed by this CA (`ssl_verify_client on`). */
  clientCaFile?: string;
  /** Raw directives placed in `server {}` before the generated locations (fault injection). */
  extraServerConfig?: string;
  /** Raw directives placed in `http {}`. */
  extraHttpConfig?: string;
}

/** A running nginx. */
export interface NginxServer {
  /** Base URL including the path prefix, without trailing slash. */
  readonly url: string;
  readonly port: number;
  readonly dir: string;
  /** Access log lines: `METHOD URI STATUS REQUEST_BYTES CONTENT_ENCODING`. */
  accessLog(): string[];
  /**
   * The access log lines that match, once there are at least `count` of them (or all that match
   * after `timeoutMs`). nginx writes a line after it has answered, so a client can be faster.
   */
  waitForAccessLog(match: (line: string) => boolean, count?: number, timeoutMs?: number): Promise<string[]>;
  errorLogTail(lines?: number): string;
  stop(): Promise<void>;
}

const INSTALL_HINT = "apt-get install nginx-light";

/** Start nginx on a free loopback port in a temporary directory, in the foreground. */
export async function startNginx(options: StartNginxOptions): Promise<NginxServer> {
  const binary = findBinary("nginx", INSTALL_HINT);
  const dir = await mkdtemp(join(tmpdir(), "anomaly-writer-nginx-"));
  const port = await freePort();
  const prefix = (options.pathPrefix ?? "").replace(/\/+$/, "");
  const scheme = options.tls ? "https" : "http";
  const config = renderNginxConfig(options, { dir, port, prefix });
  if (options.basicAuth) {
    // nginx reads `{PLAIN}` passwords; fine for a throw-away test server.
    await writeFile(join(dir, "htpasswd"), `${options.basicAuth.username}:{PLAIN}${options.basicAuth.password}\n`, {
      mode: 0o600,
    });
  }
  const configFile = join(dir, "nginx.conf");
  await writeFile(configFile, config);
  const child: ChildProcess = spawn(binary, ["-p", dir, "-c", configFile, "-e", join(dir, "error.log")], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  trackChild(child);
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<void>((resolve) =>
    child.once("exit", () => {
      untrackChild(child);
      resolve();
    }),
  );
  const errorLogTail = (lines = 20): string => {
    try {
      return readFileSync(join(dir, "error.log"), "utf8").trimEnd().split("\n").slice(-lines).join("\n");
    } catch {
      return "";
    }
  };
  const accessLog = (): string[] => {
    try {
      return readFileSync(join(dir, "access.log"), "utf8").split("\n").filter(Boolean);
    } catch {
      return [];
    }
  };
  const up = await waitForPort("127.0.0.1", port, 10_000, () => child.exitCode === null);
  if (!up) {
    child.kill("SIGKILL");
    await exited;
    throw new Error(`[test-stack] nginx did not start on 127.0.0.1:${port}: ${stderr.trim()} ${errorLogTail(5)}`);
  }
  return {
    url: `${scheme}://127.0.0.1:${port}${prefix}`,
    port,
    dir,
    accessLog,
    errorLogTail,
    async waitForAccessLog(match, count = 1, timeoutMs = 2000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const lines = accessLog().filter(match);
        if (lines.length >= count || Date.now() > deadline) return lines;
        await sleep(10);
      }
    },
    async stop() {
      await stopProcess(child, exited, "SIGQUIT");
      await rm(dir, { recursive: true, force: true });
    },
  };
}
