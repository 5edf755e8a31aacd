// The published packages, tried as their users get them: `pnpm -r publish` into a real npm
// registry (Verdaccio) on loopback, then fresh projects outside the repository that install them
// with plain npm and import, require, typecheck, bundle and run them, on this Node and on Node 22
// from the npm registry. Writes are proven by reading them back from a real VictoriaMetrics.
import { randomBytes } from "node:crypto";
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { startVictoriaMetrics, type VictoriaMetricsServer } from "@anomaly-writer/local-vm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkPublished } from "./check-published.ts";
import { consumerEnv } from "./consumer-env.ts";
import {
  bundledProgram,
  cjsProgram,
  esmProgram,
  everyLibraryTypes,
  type ProgramOutput,
  RECORD,
  typescriptProgram,
} from "./consumer-programs.ts";
import { createConsumerProject } from "./create-consumer-project.ts";
import { ensureNode, type NodeBinary } from "./ensure-node.ts";
import type { CommandResult } from "./errors.ts";
import { killRunningCommands, runCommand } from "./run-command.ts";
import { startVerdaccio, type VerdaccioServer } from "./start-verdaccio.ts";
import { typescriptConfigs } from "./typescript-configs.ts";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const SCOPE = "@anomaly-writer";
const CLI = `${SCOPE}/cli`;
const readManifest = (dir: string) =>
  JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { name: string; version: string };
const VERSION = readManifest(join(ROOT, "apps/writer")).version;
const LIBRARIES = readdirSync(join(ROOT, "packages"))
  .map((dir) => readManifest(join(ROOT, "packages", dir)).name)
  .sort();
/** Git-ignored (node_modules/), kept between runs: Node 22 is fetched once. */
const NODE22_CACHE = join(ROOT, "node_modules", ".cache", "node22");

const work = mkdtempSync(join(tmpdir(), "anomaly-writer-consumer-"));
let registry: VerdaccioServer | undefined;
let vm: VictoriaMetricsServer | undefined;
let publishRun: CommandResult;
let libraryProject: Promise<string>;
let globalPrefix: Promise<string>;
let node22: Promise<NodeBinary>;
let npxVersion: Promise<CommandResult>;

/** Start a promise now and await it later: a rejection before then is not "unhandled". */
function background<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => undefined);
  return promise;
}

const current: () => Promise<NodeBinary> = async () => ({
  path: process.execPath,
  binDir: join(process.execPath, ".."),
  version: process.version,
});
const CURRENT_MAJOR = process.versions.node.split(".")[0];
/** The Node running the suite, and Node 22 unless that is the one. */
const NODES: readonly { label: string; binary: () => Promise<NodeBinary>; tag: string }[] = [
  { label: `this Node (${process.version})`, binary: current, tag: `node${CURRENT_MAJOR}` },
  ...(CURRENT_MAJOR === "22" ? [] : [{ label: "Node 22 from the npm registry", binary: () => node22, tag: "node22" }]),
];

/** One line per phase in the test output: where the minutes go. */
async function timed<T>(phase: string, promise: Promise<T>): Promise<T> {
  const start = performance.now();
  const value = await promise;
  console.info(`[consumer-test] ${phase}: ${((performance.now() - start) / 1000).toFixed(1)} s`);
  return value;
}

beforeAll(async () => {
  if (CURRENT_MAJOR !== "22") node22 = background(timed("Node 22 ready", ensureNode(22, NODE22_CACHE)));
  const started = await Promise.allSettled([
    timed("Verdaccio up", startVerdaccio({ workDir: join(work, "registry"), scope: SCOPE })),
    startVictoriaMetrics(),
  ]);
  if (started[0].status === "fulfilled") registry = started[0].value;
  if (started[1].status === "fulfilled") vm = started[1].value;
  for (const result of started) if (result.status === "rejected") throw result.reason;
  const token = await registry!.addUser("consumer-test", randomBytes(16).toString("hex"));
  // The token reaches pnpm (and the npm it publishes with) for this registry only, through the
  // environment: the user's ~/.npmrc is neither read for it nor touched.
  publishRun = await timed(
    "pnpm -r publish (each package built by its prepack)",
    runCommand("pnpm", ["-r", "publish", "--registry", registry!.url, "--no-git-checks"], {
      cwd: ROOT,
      env: consumerEnv({ [`npm_config_${registry!.nerfDart}:_authToken`]: token }),
      timeoutMs: 300_000,
    }),
  );
  // Installs wait on the network more than on the CPU: all at once.
  libraryProject = background(timed("library project installed", installLibraryProject(registry!.url)));
  globalPrefix = background(timed("CLI installed globally", installGlobalCli(registry!.url)));
  npxVersion = background(timed("npx --version (installs into an empty cache)", npx(["--version"])));
});

afterAll(async () => {
  killRunningCommands();
  await Promise.allSettled([registry?.stop(), vm?.stop()]);
  rmSync(work, { recursive: true, force: true });
});

function installLibraryProject(registryUrl: string): Promise<string> {
  return createConsumerProject({
    dir: join(work, "library-project"),
    scope: SCOPE,
    registryUrl,
    dependencies: Object.fromEntries(LIBRARIES.map((name) => [name, VERSION])),
    // The TypeScript of today and the previous major, esbuild, and Node's types as a TypeScript
    // user of a Node library has them.
    devDependencies: {
      typescript: "^7.0.0",
      "typescript-5": "npm:typescript@~5.9.3",
      esbuild: "^0.28.0",
      "@types/node": "^20.19.0",
    },
    files: {
      "esm.mjs": esmProgram(LIBRARIES),
      "cjs.cjs": cjsProgram(LIBRARIES),
      "ts/main.ts": typescriptProgram(),
      "ts/main-cjs.cts": typescriptProgram(),
      "ts/every-library.ts": everyLibraryTypes(LIBRARIES),
      "ts/every-library-cjs.cts": everyLibraryTypes(LIBRARIES),
      "bundle-entry.mjs": bundledProgram(),
      ...typescriptConfigs(),
    },
  });
}

async function installGlobalCli(registryUrl: string): Promise<string> {
  const prefix = join(work, "global");
  // Global installs read no project .npmrc: the scope's registry goes on the command line.
  await runCommand(
    "npm",
    ["install", "--global", "--prefix", prefix, `--${SCOPE}:registry=${registryUrl}`, "--no-audit", "--no-fund", CLI],
    {
      cwd: work,
      env: consumerEnv(),
    },
  );
  return prefix;
}

/** The two series a program (or the CLI) wrote with label variant=`variant`. */
function expectedSeries(variant: string) {
  const labels = { for: RECORD.query_key, ...RECORD.labels, variant };
  return [
    {
      metric: { __name__: "consumer_anomaly_score", ...labels },
      values: [...RECORD.outputs.anomaly_score],
      timestamps: [...RECORD.timestamps],
    },
    {
      metric: { __name__: "consumer_yhat", ...labels },
      values: [...RECORD.outputs.yhat],
      timestamps: [...RECORD.timestamps],
    },
  ];
}

/** What every library program prints besides `entries` and `node`. */
function expectedOutput(variant: string) {
  return {
    datasourceUrl: vm!.url,
    invalidConfig: { isConfigError: true, code: "CONFIG_INVALID" },
    encoded: expectedSeries(variant),
    importUrl: "http://vminsert:8480/insert/7:9/prometheus/api/v1/import",
    tenant: { kind: "multitenant" },
    written: { ok: true, series: 2, datapoints: 4 },
  };
}

/** Run `node [flags] file VM_URL variant` in `dir` and parse what it printed. */
async function runProgram(
  node: NodeBinary,
  dir: string,
  file: string,
  variant: string,
  flags: string[] = [],
): Promise<ProgramOutput> {
  const run = await runCommand(node.path, [...flags, file, vm!.url, variant], {
    cwd: dir,
    env: consumerEnv({}, node.binDir),
    timeoutMs: 60_000,
  });
  const output = JSON.parse(run.stdout) as ProgramOutput;
  expect(output.node, `${file} ran on`).toBe(node.version);
  return output;
}

/** The output without `entries`, `encoded` parsed line by line (each line ends in "\n"). */
function comparable(output: ProgramOutput) {
  const { entries: _entries, node: _node, ...rest } = output;
  const lines = output.encoded.split(/(?<=\n)/);
  expect(lines.every((line) => line.endsWith("\n"))).toBe(true);
  return { ...rest, encoded: lines.map((line) => JSON.parse(line) as unknown) };
}

const programRuns = new Map<string, Promise<ProgramOutput>>();
/** The ESM or CJS program on one Node, run once however many tests look at it. */
function libraryProgram(kind: "esm" | "cjs", node: (typeof NODES)[number]): Promise<ProgramOutput> {
  const key = `${kind}-${node.tag}`;
  let run = programRuns.get(key);
  if (!run) {
    run = (async () => {
      const flags = kind === "cjs" ? ["--no-experimental-require-module"] : [];
      return runProgram(await node.binary(), await libraryProject, kind === "esm" ? "esm.mjs" : "cjs.cjs", key, flags);
    })();
    programRuns.set(key, run);
  }
  return run;
}

describe("pnpm -r publish to a registry on loopback", () => {
  it("publishes the 13 libraries and the CLI", () => {
    const published = [...`${publishRun.stdout}\n${publishRun.stderr}`.matchAll(/^\+ (@[^@\s]+)@(\S+)$/gm)].map(
      (m) => `${m[1]}@${m[2]}`,
    );
    expect(LIBRARIES).toHaveLength(13);
    expect(published.sort()).toEqual([...LIBRARIES, CLI].sort().map((name) => `${name}@${VERSION}`));
  });

  it("each tarball holds only dist/, README.md, LICENSE, CHANGELOG.md and package.json, and all its manifest points to", async () => {
    const problems = await Promise.all(
      [...LIBRARIES, CLI].map((name) => checkPublished(registry!, name, VERSION, SCOPE)),
    );
    expect(problems.flat()).toEqual([]);
  });
});

describe.each(NODES)("a fresh npm project with the libraries, on $label", (node) => {
  it("imports them as ES modules and writes into VictoriaMetrics", async () => {
    const output = await libraryProgram("esm", node);
    for (const name of LIBRARIES) expect(output.entries?.[name]?.file, name).toBe(`${name}/dist/index.mjs`);
    expect(comparable(output)).toEqual(expectedOutput(`esm-${node.tag}`));
    expect(await vm!.exportSeries(`{variant="esm-${node.tag}"}`)).toEqual(expectedSeries(`esm-${node.tag}`));
  });

  it("requires them as CommonJS with require(esm) off, with the same exports as the ES modules", async () => {
    const [cjs, esm] = await Promise.all([libraryProgram("cjs", node), libraryProgram("esm", node)]);
    for (const name of LIBRARIES) {
      expect(cjs.entries?.[name]?.file, name).toBe(`${name}/dist/index.cjs`);
      expect(cjs.entries?.[name]?.exports, name).toEqual(esm.entries?.[name]?.exports);
      expect(cjs.entries?.[name]?.exports.length, name).toBeGreaterThan(0);
    }
    expect(comparable(cjs)).toEqual(expectedOutput(`cjs-${node.tag}`));
    expect(await vm!.exportSeries(`{variant="cjs-${node.tag}"}`)).toEqual(expectedSeries(`cjs-${node.tag}`));
  });
});

// TypeScript 5.9 is slow here (7-10 s of CPU per run): with bundler resolution it checks
// `module: preserve` only (esnext resolves the same way; TypeScript 7 checks both).
describe.each([
  { label: "TypeScript 7", tsc: "node_modules/typescript/bin/tsc", bundlerModules: ["esnext", "preserve"] },
  { label: "TypeScript 5.9", tsc: "node_modules/typescript-5/bin/tsc", bundlerModules: ["preserve"] },
])("$label in a strict project with skipLibCheck false", ({ label, tsc, bundlerModules }) => {
  it("module nodenext: tsc passes, and its ES module and CommonJS output run", async () => {
    const dir = await libraryProject;
    const outDir = `out/${label.replace(/\W+/g, "-")}`;
    await runCommand("node", [tsc, "-p", "tsconfig.nodenext.json", "--outDir", outDir], {
      cwd: dir,
      env: consumerEnv(),
    });
    const node = await current();
    for (const [file, variant] of [
      ["main.js", "ts-esm"],
      ["main-cjs.cjs", "ts-cjs"],
    ] as const) {
      const tagged = `${variant}-${label.replace(/\W+/g, "")}`;
      const output = await runProgram(node, dir, join(outDir, file), tagged, ["--no-experimental-require-module"]);
      expect(comparable(output)).toEqual(expectedOutput(tagged));
      expect(await vm!.exportSeries(`{variant="${tagged}"}`)).toEqual(expectedSeries(tagged));
    }
  });

  it.each(bundlerModules)("moduleResolution bundler, module %s: tsc --noEmit passes", async (module) => {
    await runCommand("node", [tsc, "-p", `tsconfig.bundler-${module}.json`], {
      cwd: await libraryProject,
      env: consumerEnv(),
    });
  });
});

describe("esbuild, platform node, format esm", () => {
  const esbuild = (dir: string, args: string[]) =>
    runCommand(
      "node_modules/.bin/esbuild",
      ["bundle-entry.mjs", "--bundle", "--platform=node", "--format=esm", "--log-level=warning", ...args],
      { cwd: dir, env: consumerEnv() },
    );
  const expectWritten = async (dir: string, file: string, variant: string) => {
    const run = await runCommand("node", [file, vm!.url, variant], { cwd: dir, env: consumerEnv() });
    expect(JSON.parse(run.stdout)).toMatchObject({
      ok: true,
      series: 2,
      datapoints: 4,
      remoteWrite: [{ value: 0.5, timestamp: 1 }],
    });
    expect(await vm!.exportSeries(`{variant="${variant}"}`)).toEqual(expectedSeries(variant));
  };

  it("--packages=external: the bundle runs against the installed packages", async () => {
    const dir = await libraryProject;
    await esbuild(dir, ["--packages=external", "--outfile=out/external.mjs"]);
    await expectWritten(dir, "out/external.mjs", "esbuild-external");
  });

  it("the libraries bundled, their npm dependencies external: runs with no banner", async () => {
    const dir = await libraryProject;
    const external = thirdPartyDependencies(dir).map((name) => `--external:${name}`);
    await esbuild(dir, [...external, "--outfile=out/ours-inlined.mjs"]);
    await expectWritten(dir, "out/ours-inlined.mjs", "esbuild-ours");
  });

  it("everything bundled (with the createRequire banner) runs alone in an empty directory", async () => {
    const dir = await libraryProject;
    // The banner is for third-party CommonJS (yaml's Node build, undici, prom-client): esbuild
    // keeps their require("node:...") calls, and an ES module has no `require` unless one is made.
    // The libraries themselves need none (the test above).
    const banner =
      'import { createRequire as __createRequire } from "node:module"; const require = __createRequire(import.meta.url);';
    await esbuild(dir, [`--banner:js=${banner}`, "--outfile=out/full.mjs"]);
    const alone = join(work, "bundle-alone");
    mkdirSync(alone);
    cpSync(join(dir, "out/full.mjs"), join(alone, "app.mjs"));
    await expectWritten(alone, "app.mjs", "esbuild-full");
  });
});

/** The npm dependencies of the installed libraries (not ours). */
function thirdPartyDependencies(dir: string): string[] {
  const names = new Set<string>();
  for (const library of LIBRARIES) {
    const manifest = JSON.parse(readFileSync(join(dir, "node_modules", library, "package.json"), "utf8")) as {
      dependencies?: Record<string, string>;
    };
    for (const name of Object.keys(manifest.dependencies ?? {})) if (!name.startsWith(`${SCOPE}/`)) names.add(name);
  }
  return [...names].sort();
}

describe.each(NODES)("npm i -g @anomaly-writer/cli, on $label", (node) => {
  it("runs the installed bin: --version prints the package version, write lands in VictoriaMetrics", async () => {
    const prefix = await globalPrefix;
    const { binDir } = await node.binary();
    const env = consumerEnv({}, binDir);
    // The bin's `#!/usr/bin/env node` finds this Node first on PATH.
    expect((await runCommand("node", ["--version"], { cwd: work, env })).stdout.trim()).toBe(
      (await node.binary()).version,
    );
    const bin = join(prefix, "bin", "anomaly-writer");
    expect((await runCommand(bin, ["--version"], { cwd: work, env })).stdout.trim()).toBe(VERSION);

    const dir = join(work, `cli-${node.tag}`);
    mkdirSync(dir);
    const variant = `cli-${node.tag}`;
    writeFileSync(
      join(dir, "config.yaml"),
      `writer:\n  datasource_url: ${vm!.url}\n  metric_format:\n    __name__: "consumer_$VAR"\n    for: "$QUERY_KEY"\n    variant: "${variant}"\n`,
    );
    writeFileSync(join(dir, "data.jsonl"), `${JSON.stringify(RECORD)}\n`);
    const run = await runCommand(bin, ["write", "-c", "config.yaml", "-i", "data.jsonl"], { cwd: dir, env });
    expect(run.stderr).toContain("written: 1 records, 2 series, 4 datapoints");
    expect(await vm!.exportSeries(`{variant="${variant}"}`)).toEqual(expectedSeries(variant));
  });
});

/** `npm exec` of the CLI from an empty directory, with an npm cache of its own (a fresh machine). */
function npx(args: string[]): Promise<CommandResult> {
  const dir = join(work, "npx");
  mkdirSync(dir, { recursive: true });
  const cache = join(work, "npx-cache");
  return runCommand(
    "npm",
    ["exec", "--yes", "--cache", cache, `--${SCOPE}:registry=${registry!.url}`, CLI, "--", ...args],
    { cwd: dir, env: consumerEnv() },
  );
}

describe("npx @anomaly-writer/cli (npm exec, nothing installed, an empty npm cache)", () => {
  it("prints the package version", async () => {
    expect((await npxVersion).stdout.trim()).toBe(VERSION);
  });

  it("runs the demo (its own VictoriaMetrics, written and read back)", async () => {
    await npxVersion;
    const demo = await npx(["demo"]);
    expect(demo.stdout).toContain("every written datapoint was read back unchanged");
  });
});
