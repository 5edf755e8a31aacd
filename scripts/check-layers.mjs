#!/usr/bin/env node
// Which of our packages each package may import (ARCHITECTURE.md, "What each package may import"),
// checked against the imports of every non-test source file, and against package.json: a package
// must list what it imports (a published library that forgot one breaks for its users).
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";

/** Package → the packages of ours it may import. Data flows one way: down this list. */
const ALLOWED = {
  common: [],
  "file-sink": [],
  queue: [],
  "local-vm": [],
  "remote-write": [],
  config: ["common"],
  "metric-format": ["common"],
  tenancy: ["common"],
  transport: ["common"],
  healthcheck: ["common", "transport"],
  delivery: ["common", "healthcheck", "queue", "transport"],
  writer: [
    "common",
    "config",
    "delivery",
    "file-sink",
    "healthcheck",
    "metric-format",
    "queue",
    "remote-write",
    "tenancy",
    "transport",
  ],
  "ingest-server": ["common", "config", "healthcheck", "writer"],
  cli: ["common", "config", "healthcheck", "ingest-server", "local-vm", "transport", "writer"],
};

const root = new URL("..", import.meta.url).pathname;
const files = execFileSync(
  "git",
  [
    "ls-files",
    "--cached",
    "--others",
    "--exclude-standard",
    "packages/*/src/*.ts",
    "packages/*/src/**/*.ts",
    "apps/*/src/*.ts",
    "apps/*/src/**/*.ts",
  ],
  {
    cwd: root,
    encoding: "utf8",
  },
)
  .split("\n")
  .filter((f) => f && !/\.test\.ts$|\/testing\//.test(f));
const IMPORT = /(?:from|import\()\s*"@anomaly-writer\/([a-z-]+)"/g;
const problems = [];
const manifests = new Map();
for (const file of files) {
  const packageDir = file.split("/").slice(0, 2).join("/");
  let manifest = manifests.get(packageDir);
  if (!manifest) {
    manifest = JSON.parse(readFileSync(join(root, packageDir, "package.json"), "utf8"));
    manifests.set(packageDir, manifest);
  }
  const self = manifest.name.replace("@anomaly-writer/", "");
  const allowed = ALLOWED[self];
  if (!allowed) {
    problems.push(
      `${packageDir}: ${manifest.name} is not in scripts/check-layers.mjs (add it, and to ARCHITECTURE.md)`,
    );
    continue;
  }
  const declared = { ...manifest.dependencies, ...manifest.devDependencies };
  for (const [, name] of readFileSync(join(root, file), "utf8").matchAll(IMPORT)) {
    if (!allowed.includes(name)) problems.push(`${file}: ${self} may not import @anomaly-writer/${name}`);
    else if (!(`@anomaly-writer/${name}` in declared))
      problems.push(
        `${file}: imports @anomaly-writer/${name}, which ${dirname(file.replace(/\/src\/.*/, "/package.json"))}/package.json does not list`,
      );
  }
}
if (problems.length > 0) {
  console.error(`${problems.length} layering problem(s):\n${[...new Set(problems)].join("\n")}`);
  process.exit(1);
}
console.log(`layers: ${files.length} source files import only what ARCHITECTURE.md allows`);
