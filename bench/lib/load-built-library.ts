import { existsSync, mkdirSync, readdirSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { newestSource } from "./ensure-app-built.ts";

/** The API the library benchmarks use (library-entry.ts). */
export type BuiltLibrary = typeof import("./library-entry.ts");

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, "../..");
const out = join(root, "bench/.build/library.mjs");

/**
 * Bundle a TypeScript entry and what it imports into one ES module for Node 20 with esbuild, as
 * a user's build would ship it (CommonJS dependencies get a `require`).
 */
export async function bundleForNode(entry: string, outfile: string): Promise<void> {
  mkdirSync(dirname(outfile), { recursive: true });
  await build({
    entryPoints: [entry],
    outfile,
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
}

/** Build bench/.build/library.mjs when it is missing or older than a package source; its path. */
export async function ensureLibraryBuilt(): Promise<string> {
  const packages = join(root, "packages");
  const sources = Math.max(...readdirSync(packages).map((name) => newestSource(join(packages, name, "src"))));
  if (existsSync(out) && statSync(out).mtimeMs >= sources) return out;
  await bundleForNode(join(here, "library-entry.ts"), out);
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
