import { readFileSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { findBinary, freePort, readLogTail, spawnLogged } from "@anomaly-writer/local-vm";
import { stopProcess, waitForHealthy } from "./managed-process.ts";

/** One vmauth user: a bearer token or a basic-auth pair, routed to `upstream`. */
export type VmauthUser =
  | { bearerToken: string; upstream: string }
  | { username: string; password: string; upstream: string };

export interface StartVmauthOptions {
  users: readonly VmauthUser[];
}

/** A running vmauth. */
export interface VmauthServer {
  readonly url: string;
  readonly port: number;
  /** Replace the users (config rewritten, SIGHUP) and wait until vmauth has reloaded. */
  setUsers(users: readonly VmauthUser[]): Promise<void>;
  logTail(lines?: number): string;
  stop(): Promise<void>;
}

function renderConfig(users: readonly VmauthUser[]): string {
  const lines = ["users:"];
  for (const user of users) {
    if ("bearerToken" in user) lines.push(`  - bearer_token: ${JSON.stringify(user.bearerToken)}`);
    else lines.push(`  - username: ${JSON.stringify(user.username)}`, `    password: ${JSON.stringify(user.password)}`);
    lines.push(`    url_prefix: ${JSON.stringify(user.upstream.replace(/\/+$/, ""))}`);
  }
  return `${lines.join("\n")}\n`;
}

/** Start vmauth (from the Debian `victoria-metrics` package) with the given users. */
export async function startVmauth(options: StartVmauthOptions): Promise<VmauthServer> {
  const binary = findBinary("vmauth", "apt-get install victoria-metrics");
  const dir = await mkdtemp(join(tmpdir(), "anomaly-writer-vmauth-"));
  const configFile = join(dir, "auth.yml");
  const logFile = join(dir, "vmauth.log");
  await writeFile(configFile, renderConfig(options.users), { mode: 0o600 });
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const { child, exited } = spawnLogged(
    binary,
    [`-auth.config=${configFile}`, `-httpListenAddr=127.0.0.1:${port}`, "-loggerLevel=INFO"],
    logFile,
  );
  const logText = (): string => {
    try {
      return readFileSync(logFile, "utf8");
    } catch {
      return "";
    }
  };
  const logTail = (lines = 20) => readLogTail(logFile, lines);
  const reloads = () =>
    logText()
      .split("\n")
      .filter((line) => /Successfully reloaded -auth.config/.test(line)).length;

  const problem = await waitForHealthy("vmauth", url, child, logTail);
  if (problem) {
    child.kill("SIGKILL");
    throw new Error(problem);
  }

  return {
    url,
    port,
    async setUsers(users) {
      const before = reloads();
      await writeFile(configFile, renderConfig(users), { mode: 0o600 });
      child.kill("SIGHUP");
      const until = Date.now() + 10_000;
      while (reloads() <= before) {
        if (Date.now() > until) throw new Error(`[test-stack] vmauth did not reload its config: ${logTail(5)}`);
        await sleep(20);
      }
    },
    logTail,
    async stop() {
      await stopProcess(child, exited);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
