#!/usr/bin/env node
// Packs every publishable workspace package exactly as `pnpm publish` would (prepack builds it,
// publishConfig swaps in the built exports) and checks each tarball from a consumer's side:
// - it holds only package.json, README.md, LICENSE, CHANGELOG.md and dist/ (no sources, tests,
//   test helpers or tsconfig), and all of the first four;
// - its LICENSE is the repository's;
// - publint --strict finds nothing, and @arethetypeswrong/cli resolves every entry point under
//   node10, node16 (CJS and ESM) and bundler resolution (libraries only; the CLI has no exports).
// Usage: node scripts/check-packages.mjs [--keep DIR]   (DIR receives the tarballs)
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const root = new URL("..", import.meta.url).pathname;
const keepIndex = process.argv.indexOf("--keep");
const destination = keepIndex > 0 ? process.argv[keepIndex + 1] : mkdtempSync(join(tmpdir(), "aw-packs-"));
const ALLOWED = /^(package\.json|README\.md|LICENSE|CHANGELOG\.md|dist\/.+\.(mjs|cjs|d\.mts|d\.cts))$/;
const REQUIRED = ["package.json", "README.md", "LICENSE", "CHANGELOG.md"];
const license = readFileSync(join(root, "LICENSE"), "utf8");

const run = (cmd, args, cwd) => execFileSync(cmd, args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });

/** Workspace packages that are not private, with their directories. */
function publishablePackages() {
  const listed = JSON.parse(run("pnpm", ["ls", "-r", "--depth", "-1", "--json"], root));
  return listed.filter((p) => !p.private && p.name).map((p) => ({ name: p.name, dir: p.path }));
}

/** `pnpm pack --json` prints the prepack build's output first; the JSON is the last object. */
function pack(dir) {
  const output = run("pnpm", ["pack", "--pack-destination", destination, "--json"], dir);
  return JSON.parse(output.slice(output.lastIndexOf("\n{\n") + 1));
}

const problems = [];
const packages = publishablePackages();
for (const { name, dir } of packages) {
  const packed = pack(dir);
  const files = packed.files.map((f) => f.path);
  const fail = (message) => problems.push(`${name}: ${message}`);
  for (const file of files) if (!ALLOWED.test(file)) fail(`ships ${file}`);
  for (const file of REQUIRED) if (!files.includes(file)) fail(`does not ship ${file}`);
  if (readFileSync(join(dir, "LICENSE"), "utf8") !== license) fail("LICENSE differs from the repository's");
  const manifest = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
  if (manifest.license !== "Apache-2.0") fail(`license is ${manifest.license}`);
  if (!manifest.engines?.node) fail("no engines.node");
  try {
    run("pnpm", ["exec", "publint", "run", packed.filename, "--strict"], root);
  } catch (error) {
    fail(`publint:\n${error.stdout}${error.stderr}`);
  }
  if (!manifest.bin) {
    try {
      run("pnpm", ["exec", "attw", packed.filename, "--format", "ascii"], root);
    } catch (error) {
      fail(`arethetypeswrong:\n${error.stdout}${error.stderr}`);
    }
  }
  console.log(
    `${problems.some((p) => p.startsWith(`${name}:`)) ? "✗" : "✓"} ${name}@${packed.version}: ${files.length} files`,
  );
}
if (keepIndex < 0) rmSync(destination, { recursive: true, force: true });
if (problems.length > 0) {
  console.error(`\n${problems.length} packaging problem(s):\n${problems.join("\n")}`);
  process.exit(1);
}
console.log(`${packages.length} packages pack clean (publint, arethetypeswrong, files, LICENSE)`);
