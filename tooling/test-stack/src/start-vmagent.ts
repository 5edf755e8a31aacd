import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { findBinary, freePort, readLogTail, spawnLogged } from "@anomaly-writer/local-vm";
import { stopProcess, waitForHealthy } from "./managed-process.ts";

export interface StartVmagentOptions {
  /**
   * Base URLs of the storages vmagent forwards everything to (`/api/v1/write` is appended), one
   * `-remoteWrite.url` each: vmagent replicates every sample to all of them.
   */
  remoteWrite: readonly string[];
  /**
   * Per-URL relabeling, in the order of `remoteWrite` (`-remoteWrite.urlRelabelConfig`), as YAML
   * text: e.g. a `hashmod` per URL to shard instead of replicate. Must have one entry per URL.
   */
  urlRelabelConfigs?: readonly string[];
  /** More command-line flags. */
  flags?: readonly string[];
}

/** A running vmagent. */
export interface VmagentServer {
  /** Base URL, e.g. `http://127.0.0.1:38123`; takes `/api/v1/import`, `/api/v1/write`, ... */
  readonly url: string;
  readonly port: number;
  logTail(lines?: number): string;
  stop(): Promise<void>;
}

/** Start vmagent (from the Debian `victoria-metrics` package) on a free loopback port. */
export async function startVmagent(options: StartVmagentOptions): Promise<VmagentServer> {
  const binary = findBinary("vmagent", "apt-get install victoria-metrics");
  if (options.remoteWrite.length === 0) throw new Error("[test-stack] startVmagent: remoteWrite is empty");
  const relabel = options.urlRelabelConfigs;
  if (relabel !== undefined && relabel.length !== options.remoteWrite.length) {
    throw new Error("[test-stack] startVmagent: urlRelabelConfigs needs one entry per remoteWrite URL");
  }
  const dir = await mkdtemp(join(tmpdir(), "anomaly-writer-vmagent-"));
  const logFile = join(dir, "vmagent.log");
  const relabelFlags: string[] = [];
  for (const [i, text] of (relabel ?? []).entries()) {
    const file = join(dir, `relabel-${i}.yml`);
    await writeFile(file, text);
    relabelFlags.push(`-remoteWrite.urlRelabelConfig=${file}`);
  }
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const args = [
    `-httpListenAddr=127.0.0.1:${port}`,
    `-remoteWrite.tmpDataPath=${join(dir, "queue")}`,
    "-remoteWrite.flushInterval=200ms",
    ...options.remoteWrite.map((target) => `-remoteWrite.url=${target.replace(/\/+$/, "")}/api/v1/write`),
    ...relabelFlags,
    ...(options.flags ?? []),
  ];
  const { child, exited } = spawnLogged(binary, args, logFile);
  const logTail = (lines = 20) => readLogTail(logFile, lines);
  const problem = await waitForHealthy("vmagent", url, child, logTail);
  if (problem) {
    child.kill("SIGKILL");
    throw new Error(problem);
  }
  return {
    url,
    port,
    logTail,
    async stop() {
      await stopProcess(child, exited);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
