import { existsSync, mkdirSync, readdirSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

/** The API the library benchmarks use (library-entry.ts). */
export type BuiltLibrary = typeof import("./library-entry.ts");

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, "../..");
const out = join(root, "bench/.build/library.mjs");

/** Newest modification time of the TypeScript sources under a directory (tests and node_modules left out). */
function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === "node_modules" || entry.name === "dist") continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(path));
    else if (entry.name.endsWith(".ts") && !entry.name.endsWith(".test.ts"))
      newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

/** Build bench/.build/library.mjs when it is missing or older than a package source; its path. */
export async function ensureLibraryBuilt(): Promise<string> {
  const packages = join(root, "packages");
  const sources = Math.max(...readdirSync(packages).map((name) => newestSource(join(packages, name, "src"))));
  if (existsSync(out) && statSync(out).mtimeMs >= sources) return out;
  mkdirSync(dirname(out), { recursive: true });
  await build({
    entryPoints: [join(here, "library-entry.ts")],
    outfile: out,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    logLevel: "warning",
    // CommonJS dependencies bundled into ESM need a require.
    banner: {
      js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
    },
  });
  return out;
}

let loaded: Promise<BuiltLibrary> | undefined;

/**
 * The writer as compiled JavaScript, bundled with esbuild (bench/.build/library.mjs, rebuilt when
 * a package source is newer): what a user's program runs. The workspace exports TypeScript
 * sources, and under tsx every function of them is wrapped to keep its name (esbuild's
 * keepNames), which costs several per cent of the writer's CPU that no published build has.
 */
export function loadBuiltLibrary(): Promise<BuiltLibrary> {
  loaded ??= ensureLibraryBuilt().then((path) => import(path) as Promise<BuiltLibrary>);
  return loaded;
}
