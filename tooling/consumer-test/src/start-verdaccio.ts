import { mkdir, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { freePort, type LoggedProcess, readLogTail, spawnLogged } from "@anomaly-writer/local-vm";
import { ConsumerTestError } from "./errors.ts";

/** A running Verdaccio that serves `scope` only (no uplinks: nothing is proxied). */
export interface VerdaccioServer {
  /** e.g. `http://127.0.0.1:41234/` (with the trailing slash npm writes in .npmrc). */
  readonly url: string;
  /** The `//127.0.0.1:PORT/` prefix of registry-scoped npm settings (`${nerfDart}:_authToken`). */
  readonly nerfDart: string;
  /** Create a user through the registry API (what `npm adduser` does); answers its token. */
  addUser(name: string, password: string): Promise<string>;
  /** A package's document (packument), as npm fetches it. */
  packument(name: string): Promise<Packument>;
  /** The bytes of a published tarball. */
  tarball(url: string): Promise<Buffer>;
  logTail(lines?: number): string;
  /** SIGTERM (SIGKILL after 5 s), then remove the work directory. */
  stop(): Promise<void>;
}

/** The part of a packument the tests read. */
export interface Packument {
  readonly name: string;
  readonly "dist-tags": Readonly<Record<string, string>>;
  readonly versions: Readonly<Record<string, PublishedManifest>>;
}

/** A version's manifest as the registry serves it. */
export interface PublishedManifest {
  readonly name: string;
  readonly version: string;
  readonly private?: boolean;
  readonly main?: string;
  readonly module?: string;
  readonly types?: string;
  readonly bin?: Readonly<Record<string, string>>;
  readonly exports?: unknown;
  readonly engines?: Readonly<Record<string, string>>;
  readonly license?: string;
  readonly dependencies?: Readonly<Record<string, string>>;
  readonly peerDependencies?: Readonly<Record<string, string>>;
  readonly dist: { readonly tarball: string };
}

export interface StartVerdaccioOptions {
  /** Work directory (config, storage, users, log); created, and removed on stop. */
  readonly workDir: string;
  /** The one package scope it serves, e.g. `@anomaly-writer`. */
  readonly scope: string;
  /** How long to wait for `/-/ping`; default 60 s. */
  readonly startTimeoutMs?: number;
}

function verdaccioConfig(scope: string, port: number): string {
  return `storage: ./storage
auth:
  htpasswd:
    file: ./htpasswd
    max_users: 100
uplinks: {}
packages:
  "${scope}/*":
    access: $all
    publish: $authenticated
    unpublish: $authenticated
web:
  enable: false
max_body_size: 100mb
log: { type: stdout, format: pretty, level: warn }
listen: 127.0.0.1:${port}
`;
}

/** The JS entry of Verdaccio's bin, run with this process's Node (the .bin shim sets NODE_PATH). */
function verdaccioEntry(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve("verdaccio/package.json")), "bin", "verdaccio");
}

/** Start Verdaccio on a free loopback port and wait until `/-/ping` answers. */
export async function startVerdaccio(options: StartVerdaccioOptions): Promise<VerdaccioServer> {
  await mkdir(options.workDir, { recursive: true });
  const logFile = join(options.workDir, "verdaccio.log");
  const configFile = join(options.workDir, "config.yaml");
  let port = 0;
  let proc: LoggedProcess | undefined;
  for (let attempt = 1; proc === undefined; attempt++) {
    port = await freePort();
    await writeFile(configFile, verdaccioConfig(options.scope, port));
    const started = spawnLogged(process.execPath, [verdaccioEntry(), "--config", configFile], logFile);
    if (await waitForPing(port, started, options.startTimeoutMs ?? 60_000)) proc = started;
    else {
      started.child.kill("SIGKILL");
      await started.exited;
      // The port can be taken between freePort and Verdaccio's bind: try another one.
      if (attempt >= 3 || !/EADDRINUSE/.test(readLogTail(logFile, 10))) {
        await rm(options.workDir, { recursive: true, force: true });
        throw new ConsumerTestError(
          "REGISTRY_FAILED",
          `Verdaccio did not answer /-/ping on 127.0.0.1:${port}:\n${readLogTail(logFile)}`,
        );
      }
    }
  }
  const running = proc;
  const base = `http://127.0.0.1:${port}/`;
  const get = async (url: string): Promise<Response> => {
    const res = await fetch(url);
    if (!res.ok) throw new ConsumerTestError("REGISTRY_FAILED", `GET ${url}: ${res.status} ${await res.text()}`);
    return res;
  };
  return {
    url: base,
    nerfDart: `//127.0.0.1:${port}/`,
    async addUser(name, password) {
      const res = await fetch(`${base}-/user/org.couchdb.user:${encodeURIComponent(name)}`, {
        method: "PUT",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ name, password }),
      });
      const body = (await res.json()) as { token?: string; error?: string };
      if (!res.ok || !body.token)
        throw new ConsumerTestError(
          "REGISTRY_FAILED",
          `Verdaccio refused user ${name}: ${res.status} ${body.error ?? ""}`,
        );
      return body.token;
    },
    async packument(name) {
      return (await (await get(`${base}${name.replace("/", "%2f")}`)).json()) as Packument;
    },
    async tarball(url) {
      return Buffer.from(await (await get(url)).arrayBuffer());
    },
    logTail: (lines = 20) => readLogTail(logFile, lines),
    async stop() {
      if (running.exitCode() === undefined) {
        running.child.kill("SIGTERM");
        const timer = setTimeout(() => running.child.kill("SIGKILL"), 5000);
        await running.exited;
        clearTimeout(timer);
      }
      await rm(options.workDir, { recursive: true, force: true });
    },
  };
}

/** Poll `/-/ping` until it answers 200 (true), the process exits or the time is up (false). */
async function waitForPing(port: number, proc: LoggedProcess, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && proc.exitCode() === undefined) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/-/ping`, { signal: AbortSignal.timeout(2000) });
      if (res.ok) return true;
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  return false;
}
