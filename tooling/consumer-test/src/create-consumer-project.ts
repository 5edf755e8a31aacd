import { mkdir, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { consumerEnv } from "./consumer-env.ts";
import { runCommand } from "./run-command.ts";

export interface ConsumerProjectOptions {
  /** A new directory outside the repository. */
  readonly dir: string;
  /** The scope served by the test registry, and that registry's URL. */
  readonly scope: string;
  readonly registryUrl: string;
  readonly dependencies: Readonly<Record<string, string>>;
  readonly devDependencies?: Readonly<Record<string, string>>;
  /** More files, by path relative to `dir`. */
  readonly files?: Readonly<Record<string, string>>;
}

/**
 * A user's project: package.json (`"type": "module"`), an `.npmrc` that sends only `scope` to the
 * test registry (everything else comes from whatever registry npm is configured with), the given
 * files, and a plain `npm install`. Answers `dir`.
 */
export async function createConsumerProject(options: ConsumerProjectOptions): Promise<string> {
  const { dir } = options;
  await mkdir(dir, { recursive: true });
  const manifest = {
    name: "consumer",
    version: "1.0.0",
    private: true,
    type: "module",
    dependencies: options.dependencies,
    devDependencies: options.devDependencies ?? {},
  };
  await writeFile(join(dir, "package.json"), `${JSON.stringify(manifest, null, 2)}\n`);
  await writeFile(join(dir, ".npmrc"), `${options.scope}:registry=${options.registryUrl}\n`);
  for (const [path, text] of Object.entries(options.files ?? {})) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), text);
  }
  await runCommand("npm", ["install", "--no-audit", "--no-fund"], { cwd: dir, env: consumerEnv() });
  return dir;
}
