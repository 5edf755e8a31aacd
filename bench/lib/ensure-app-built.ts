import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, statSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { runChild } from "./measure.ts";

/** Newest modification time of the sources under a directory (tests and node_modules left out). */
export function newestSource(dir: string): number {
  let newest = 0;
  if (!existsSync(dir)) return newest;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === "node_modules" || entry.name === "dist") continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(path));
    else if (entry.name.endsWith(".ts") && !entry.name.endsWith(".test.ts"))
      newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

/**
 * Build `apps/writer/dist/main.mjs` (tsdown) when it is missing or older than a source of the app
 * or of a workspace package it bundles. Returns its path.
 */
export async function ensureAppBuilt(root: string, log: (line: string) => void): Promise<string> {
  const app = join(root, "apps/writer");
  const main = join(app, "dist/main.mjs");
  const built = existsSync(main) ? statSync(main).mtimeMs : 0;
  const packages = join(root, "packages");
  const sources = Math.max(
    newestSource(join(app, "src")),
    ...readdirSync(packages).map((name) => newestSource(join(packages, name, "src"))),
  );
  if (built > 0 && built >= sources) return main;
  log(
    built === 0
      ? "building apps/writer (dist/main.mjs is missing)..."
      : "building apps/writer (dist/main.mjs is older than its sources)...",
  );
  const run = await runChild("pnpm", ["exec", "tsdown", "--log-level", "warn"], { cwd: app, timeoutMs: 180_000 });
  if (run.code !== 0 || !existsSync(main))
    throw new Error(`building apps/writer failed (${run.code}):\n${(run.stderr + run.stdout).trim()}`);
  return main;
}

/** The first line of an error in a process's output, else its last 300 characters. */
export function firstErrorLine(output: string): string {
  const line = output.split("\n").find((l) => /error/i.test(l));
  return (line ?? output.trim().slice(-300)).trim();
}

/** Whether the built CLI starts (`--version`); the reason when it does not. */
export async function checkAppStarts(main: string): Promise<string | undefined> {
  const run = await runChild(process.execPath, [main, "--version"], { timeoutMs: 30_000 });
  return run.code === 0 ? undefined : `the built CLI does not start: ${firstErrorLine(run.stderr + run.stdout)}`;
}

/** The CLI to run, and why it is not `apps/writer/dist/main.mjs` itself when it is not. */
export interface RunnableApp {
  readonly main: string;
  /** Set when the CLI only starts from a copy with a missing third-party package linked in. */
  readonly note?: string;
  /** Set when the CLI does not start at all. */
  readonly problem?: string;
}

/**
 * A CLI that starts. When `dist/main.mjs` fails only because a third-party package is missing
 * from apps/writer's node_modules (a dependency a workspace package brought into the bundle but
 * apps/writer/package.json does not list yet), run the same file from a temporary copy whose
 * node_modules links apps/writer's packages plus the missing ones, found in packages/<name>/node_modules.
 * The code measured is byte for byte the built CLI; the note says what was linked.
 */
export async function prepareRunnableApp(
  root: string,
  main: string,
  workDir: string,
  log: (line: string) => void,
): Promise<RunnableApp> {
  const first = await checkAppStarts(main);
  if (first === undefined) return { main };
  const linked: string[] = [];
  let dir: string | undefined;
  let candidate = main;
  for (let attempt = 0; attempt < 5; attempt++) {
    const problem = await checkAppStarts(candidate);
    if (problem === undefined) {
      const note = `apps/writer/dist/main.mjs cannot find ${linked.join(", ")} (missing from apps/writer/package.json): the CLI ran from a copy with ${linked.length === 1 ? "it" : "them"} linked`;
      log(`WARNING: ${note}`);
      return { main: candidate, note };
    }
    const missing = /Cannot find package '([^']+)'/.exec(problem)?.[1];
    const source =
      missing === undefined
        ? undefined
        : readdirSync(join(root, "packages"))
            .map((p) => join(root, "packages", p, "node_modules", missing))
            .find((p) => existsSync(p));
    if (missing === undefined || source === undefined || linked.includes(missing)) return { main, problem: first };
    if (dir === undefined) {
      dir = mkdtempSync(join(workDir, "app-"));
      mkdirSync(join(dir, "dist"));
      mkdirSync(join(dir, "node_modules"));
      candidate = join(dir, "dist/main.mjs");
      copyFileSync(main, candidate);
      const appModules = join(root, "apps/writer/node_modules");
      for (const name of readdirSync(appModules)) symlinkSync(join(appModules, name), join(dir, "node_modules", name));
    }
    symlinkSync(source, join(dir, "node_modules", missing));
    linked.push(missing);
  }
  return { main, problem: first };
}
