/**
 * `pnpm bench`: the benchmarks of issue 8. Every figure is a ratio against a baseline measured in
 * the same run on the same local VictoriaMetrics (absolute numbers drift on a shared machine).
 *
 *   tsx run.ts                          everything (what RESULTS.md shows)
 *   tsx run.ts --quick                  smaller shapes, one attempt each: a smoke run
 *   tsx run.ts --only encoder,wide      a subset: benchmarks (library, cli, peer, encoder, memory, catchup)
 *                                       and/or shapes (wide, long)
 *   tsx run.ts --reps 5                 attempts per measurement (default 3, --quick 1)
 *   tsx run.ts --variants               also the library with other settings (gzip, in flight, request size)
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { rm } from "node:fs/promises";
import { cpus, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { createCliParticipant } from "./bench-cli.ts";
import { benchEncoder } from "./bench-encoder.ts";
import { benchMemory } from "./bench-memory.ts";
import { type BenchVm, startBenchVm } from "./lib/bench-vm.ts";
import { createCurlParticipant, curlName } from "./lib/curl-baseline.ts";
import { type EndToEndContext, type Participant, runEndToEnd } from "./lib/end-to-end.ts";
import { ensureAppBuilt, prepareRunnableApp } from "./lib/ensure-app-built.ts";
import { createHostedParticipant } from "./lib/hosted-participant.ts";
import { ensureLibraryBuilt } from "./lib/load-built-library.ts";
import { renderSummary } from "./lib/render-summary.ts";
import {
  bestSample,
  type CpuRow,
  formatCpuTable,
  formatTable,
  type ResultRow,
  rateOf,
  rateRow,
  type Sample,
  summarizeCpu,
} from "./lib/results.ts";
import { defaultAnchor, resolveShapes, type Shape } from "./lib/shapes.ts";

const BENCHMARKS = ["library", "cli", "peer", "encoder", "memory", "catchup"] as const;
const SHAPE_NAMES = ["wide", "long"] as const;
type BenchmarkName = (typeof BENCHMARKS)[number];

/** `--variants`: the library with other settings than its defaults (4 MiB requests, 4 in flight, no gzip), same run. */
const LIBRARY_VARIANTS = [
  { name: "library gzip", options: { gzip: true } },
  { name: "library 1 in flight", options: { maxInFlight: 1 } },
  { name: "library 8 in flight", options: { maxInFlight: 8 } },
  { name: "library 1 MiB requests", options: { maxRequestBytes: 1024 * 1024 } },
  { name: "library 16 MiB requests", options: { maxRequestBytes: 16 * 1024 * 1024 } },
] as const;

/**
 * Targets by shape (issue 18): the library and the CLI against curl of vmanomaly's wire (JSON
 * lines); the peer and catch-up as issue 8 and 18 set them.
 */
const TARGETS: Readonly<Record<string, { library: number; cli: number; peer: number; catchup: number }>> = {
  wide: { library: 1.2, cli: 0.8, peer: 10, catchup: 0.8 },
  long: { library: 0.9, cli: 0.6, peer: 2, catchup: 0.8 },
};

interface RunOptions {
  readonly quick: boolean;
  readonly variants: boolean;
  readonly reps: number;
  readonly benchmarks: ReadonlySet<BenchmarkName>;
  readonly shapes: ReadonlySet<string>;
  readonly full: boolean;
}

function parseArgs(argv: readonly string[]): RunOptions {
  let quick = false;
  let variants = false;
  let reps: number | undefined;
  let only: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === "--") continue;
    else if (arg === "--quick") quick = true;
    else if (arg === "--variants") variants = true;
    else if (arg === "--only" || arg.startsWith("--only="))
      only = (arg.includes("=") ? arg.slice(7) : (argv[++i] ?? ""))
        .split(",")
        .map((s) => s.trim())
        .filter(Boolean);
    else if (arg === "--reps" || arg.startsWith("--reps=")) reps = Number(arg.includes("=") ? arg.slice(7) : argv[++i]);
    else if (arg === "--help" || arg === "-h") {
      process.stdout.write(
        "usage: tsx run.ts [--quick] [--reps N] [--only LIST] [--variants]\n  LIST: comma-separated benchmarks (library, cli, peer, encoder, memory, catchup) and/or shapes (wide, long)\n",
      );
      process.exit(0);
    } else throw new Error(`unknown argument ${arg} (try --help)`);
  }
  const known = new Set<string>([...BENCHMARKS, ...SHAPE_NAMES]);
  const unknown = only.filter((name) => !known.has(name));
  if (unknown.length > 0)
    throw new Error(`--only: unknown ${unknown.join(", ")}; choose from ${[...known].join(", ")}`);
  if (reps !== undefined && (!Number.isInteger(reps) || reps < 1)) throw new Error("--reps must be a positive integer");
  const benchmarks = only.filter((n): n is BenchmarkName => (BENCHMARKS as readonly string[]).includes(n));
  const shapes = only.filter((n) => (SHAPE_NAMES as readonly string[]).includes(n));
  // Shapes alone: every shaped benchmark on them (memory has its own shape).
  const selected = new Set<BenchmarkName>(
    benchmarks.length > 0 ? benchmarks : shapes.length > 0 ? BENCHMARKS.filter((b) => b !== "memory") : BENCHMARKS,
  );
  return {
    quick,
    variants,
    reps: reps ?? (quick ? 1 : 3),
    benchmarks: selected,
    shapes: new Set(shapes.length > 0 ? shapes : SHAPE_NAMES),
    full: !quick && !variants && only.length === 0 && reps === undefined,
  };
}

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, "..");
const log = (line: string) => process.stderr.write(`${line}\n`);

/** VictoriaMetrics' version: its vm_app_version metric (empty in Debian's build), else the Debian package's. */
async function vmVersion(vm: BenchVm): Promise<string> {
  try {
    const res = await vm.server.request("/metrics");
    const reported = /vm_app_version\{version="([^"]*)"/.exec(res.body)?.[1];
    if (reported) return reported;
    return `${execFileSync("dpkg-query", ["-W", "-f", "${Version}", "victoria-metrics"], { encoding: "utf8" }).trim()} (Debian)`;
  } catch {
    return "unknown";
  }
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  const startedAt = performance.now();
  const shapes = resolveShapes(options.quick);
  const selectedShapes: Shape[] = [shapes.wide, shapes.long].filter((s) => options.shapes.has(s.name));
  const has = (name: BenchmarkName) => options.benchmarks.has(name);
  const endToEnd = has("library") || has("cli") || has("peer") || has("catchup");
  const needsVm = (endToEnd && selectedShapes.length > 0) || has("memory");
  const rows: ResultRow[] = [];
  const cpuRows: CpuRow[] = [];
  const notes: string[] = [];
  const command = `pnpm bench${process.argv.length > 2 ? ` ${process.argv.slice(2).join(" ")}` : ""}`;
  log(
    `anomaly-writer benchmarks (${command}) on ${cpus().length} cores, Node ${process.version}${options.quick ? ", quick" : ""}, ${options.reps} attempt(s) each`,
  );

  if (has("encoder")) {
    log("encoder (format + encode, in memory)");
    for (const shape of selectedShapes) rows.push(...benchEncoder(shape, options.reps, log));
  }

  let vm: BenchVm | undefined;
  let version = "-";
  const dir = mkdtempSync(join(tmpdir(), "anomaly-writer-bench-"));
  try {
    if (needsVm) {
      const usesCli = has("cli") || has("memory");
      const app = usesCli
        ? await prepareRunnableApp(root, await ensureAppBuilt(root, log), dir, log)
        : { main: join(root, "apps/writer/dist/main.mjs") };
      if (app.problem) log(`${app.problem}: the CLI and memory benchmarks will fail`);
      // The library as a user's program runs it: compiled, bundled (load-built-library.ts).
      if (has("library") || has("catchup")) await ensureLibraryBuilt();
      if (app.note) notes.push(app.note);
      const appMain = app.main;
      vm = await startBenchVm();
      version = await vmVersion(vm);
      log(`VictoriaMetrics ${version} at ${vm.url}`);
      const ctx: EndToEndContext = { vm, dir, appMain, log };
      if (endToEnd) {
        for (const shape of selectedShapes) {
          const { rows: shapeRows, cpu } = await benchShape(ctx, shape, options);
          rows.push(...shapeRows);
          cpuRows.push(...cpu);
        }
      }
      if (has("memory")) rows.push(...(await memoryRows(ctx, options.quick)));
    }
  } finally {
    await vm?.stop();
    await rm(dir, { recursive: true, force: true });
  }

  report({ options, command, seconds: (performance.now() - startedAt) / 1000, rows, cpuRows, notes, version });
}

/** Print the tables, write results/latest.json, and RESULTS.md after a full run. */
function report(run: {
  readonly options: RunOptions;
  readonly command: string;
  readonly seconds: number;
  readonly rows: ResultRow[];
  readonly cpuRows: CpuRow[];
  readonly notes: string[];
  readonly version: string;
}): void {
  const { options, command, seconds, rows, cpuRows, notes, version } = run;
  const table = formatTable(rows);
  const cpuTable = cpuRows.length > 0 ? formatCpuTable(cpuRows) : "";
  process.stdout.write(`\n${table}\n\n`);
  if (cpuTable)
    process.stdout.write(
      `Where the CPU goes (median of the attempts; the machine has ${cpus().length} cores):\n\n${cpuTable}\n\n`,
    );
  const failed = rows.filter((r) => r.pass === false).length;
  const targeted = rows.filter((r) => r.pass !== undefined).length;
  process.stdout.write(`${targeted - failed}/${targeted} targets met; ${seconds.toFixed(0)} s in all\n`);
  for (const row of rows) if (row.note) notes.push(`${row.benchmark} ${row.shape}: ${row.note}`);
  for (const note of notes) process.stdout.write(`  note: ${note}\n`);

  const machine = {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? "unknown",
    node: process.version,
    victoriaMetrics: version,
  };
  const results = {
    date: new Date().toISOString(),
    command,
    notes,
    options: { ...options, benchmarks: [...options.benchmarks], shapes: [...options.shapes] },
    machine,
    seconds,
    rows,
    cpu: cpuRows,
  };
  mkdirSync(join(here, "results"), { recursive: true });
  writeFileSync(join(here, "results/latest.json"), `${JSON.stringify(results, null, 2)}\n`);
  log(`results: bench/results/latest.json`);
  if (options.full) {
    writeFileSync(
      join(here, "RESULTS.md"),
      renderSummary(table, cpuTable, notes, command, machine, seconds, results.date),
    );
    log("summary: bench/RESULTS.md");
  }
}

/** Benchmark 5's rows; a failure becomes a failed row, not the end of the run. */
async function memoryRows(ctx: EndToEndContext, quick: boolean): Promise<ResultRow[]> {
  log("memory (peak RSS of the CLI streaming a file)");
  try {
    return await benchMemory(ctx, quick);
  } catch (error) {
    const message = (error instanceof Error ? error.message : String(error)).split("\n")[0] ?? "";
    log(`  memory benchmark failed: ${message}`);
    return [
      {
        benchmark: "memory peak RSS",
        shape: "-",
        unit: "bytes",
        ours: Number.NaN,
        baseline: undefined,
        baselineName: "",
        ratio: undefined,
        target: "≤ 256 MiB",
        pass: false,
        note: `failed: ${message.slice(0, 300)}`,
      },
    ];
  }
}

/** The end-to-end benchmarks of one shape: its participants, their attempts, its rows. */
async function benchShape(
  ctx: EndToEndContext,
  shape: Shape,
  options: RunOptions,
): Promise<{ rows: ResultRow[]; cpu: CpuRow[] }> {
  const has = (name: BenchmarkName) => options.benchmarks.has(name);
  log(`end to end, ${shape.name}: ${shape.series} series × ${shape.points} points × 5 variables`);
  const participants: Participant[] = [];
  if (has("library") || has("peer") || has("catchup"))
    participants.push(createHostedParticipant(ctx, { kind: "library" }));
  // The same writer sending JSON lines only: the wire format's share of the library's figure, in the same run.
  if (has("library"))
    participants.push(createHostedParticipant(ctx, { kind: "library", name: "library json", wireFormat: "json" }));
  if (has("library") || has("cli"))
    participants.push(
      createCurlParticipant(ctx, "json"),
      createCurlParticipant(ctx, "prometheus"),
      createCurlParticipant(ctx, "remote_write"),
    );
  if (has("cli")) participants.push(createCliParticipant(ctx));
  if (has("peer")) participants.push(createHostedParticipant(ctx, { kind: "peer" }));
  if (has("catchup")) participants.push(createHostedParticipant(ctx, { kind: "catchup" }));
  if (options.variants && has("library"))
    participants.push(
      ...LIBRARY_VARIANTS.map((variant) => createHostedParticipant(ctx, { kind: "library", ...variant })),
    );
  try {
    const samples = await runEndToEnd(ctx, shape, participants, options.reps, defaultAnchor());
    return { rows: shapeRows(shape, samples, options), cpu: summarizeCpu(shape.name, samples) };
  } finally {
    for (const p of participants) await p.close?.();
  }
}

/** How the curl baselines are named in the result rows. */
const BASELINE_NAMES: Readonly<Record<string, string>> = {
  curl: "curl JSON lines",
  "curl text": "curl Prometheus text",
  "curl remote write": "curl remote write",
};

/** The rows of one shape: each participant against curl of JSON lines (vmanomaly's wire) and against the fastest curl. */
function shapeRows(shape: Shape, samples: Readonly<Record<string, Sample[]>>, options: RunOptions): ResultRow[] {
  const has = (name: BenchmarkName) => options.benchmarks.has(name);
  const of = (name: string) => samples[name] ?? [];
  const target = TARGETS[shape.name];
  const curls = (["json", "prometheus", "remote_write"] as const).map((format) => curlName(format));
  const fastest = curls.reduce((best, name) =>
    rateOf(bestSample(of(name))) > rateOf(bestSample(of(best))) ? name : best,
  );
  const vsCurl = (name: string, benchmark: string, goal: number | undefined): ResultRow[] => [
    rateRow({
      benchmark: `${benchmark} vs curl (JSON lines)`,
      shape: shape.name,
      ours: of(name),
      baseline: of("curl"),
      baselineName: "curl JSON lines",
      ...(goal !== undefined ? { target: goal } : {}),
      samples: { [name]: of(name), curl: of("curl") },
    }),
    rateRow({
      benchmark: `${benchmark} vs fastest curl`,
      shape: shape.name,
      ours: of(name),
      baseline: of(fastest),
      baselineName: BASELINE_NAMES[fastest] ?? fastest,
      samples: { [name]: of(name), [fastest]: of(fastest) },
    }),
  ];
  const rows: ResultRow[] = [];
  if (has("library"))
    rows.push(
      ...vsCurl("library", "library", target?.library),
      vsCurl("library json", "library (wire_format: json)", undefined)[0] as ResultRow,
    );
  if (has("cli")) rows.push(...vsCurl("cli", "cli", target?.cli));
  if (has("catchup"))
    rows.push(
      rateRow({
        benchmark: "catch-up vs library",
        shape: shape.name,
        ours: of("catchup"),
        baseline: of("library"),
        baselineName: "library (direct write)",
        ...(target ? { target: target.catchup } : {}),
        samples: { catchup: of("catchup"), library: of("library") },
      }),
    );
  if (has("peer"))
    rows.push(
      rateRow({
        benchmark: "library vs peer",
        shape: shape.name,
        ours: of("library"),
        baseline: of("peer"),
        baselineName: "prometheus-remote-write",
        ...(target ? { target: target.peer } : {}),
        samples: { library: of("library"), peer: of("peer") },
      }),
    );
  if (options.variants && has("library")) {
    for (const { name } of LIBRARY_VARIANTS) {
      rows.push(
        rateRow({
          benchmark: `${name} vs curl (JSON lines)`,
          shape: shape.name,
          ours: of(name),
          baseline: of("curl"),
          baselineName: "curl JSON lines",
          samples: { [name]: of(name), curl: of("curl") },
        }),
      );
    }
  }
  return rows;
}

main().catch((error: unknown) => {
  process.stderr.write(`bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
