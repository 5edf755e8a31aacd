/**
 * The CLI path and its memory, today's code against the proposed one, run the same way:
 *   node --import tsx prototype/compare-cli.ts [wide|long|memory]
 * For each shape (and the 10M-datapoint memory file) and twice each: the built CLI
 * (`apps/writer/dist/main.mjs write`), `prototype/fast-cli.ts package` (readJsonLines +
 * createVmWriter under tsx) and `prototype/fast-cli.ts proposed` (readJsonLines + template
 * encoder + pooled buffers + undici.request under tsx): wall time, peak RSS, CPU, read-back.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { benchConfigYaml } from "../bench-library.ts";
import { resolveMemoryShapes } from "../bench-memory.ts";
import { startBenchVm } from "../lib/bench-vm.ts";
import { ensureAppBuilt, prepareRunnableApp } from "../lib/ensure-app-built.ts";
import { runChild } from "../lib/measure.ts";
import { createSlotAllocator, defaultAnchor, generateRecords, recordsAsJsonLines, resolveShapes, writeStreamed, type Shape } from "../lib/shapes.ts";
import { verifySlot } from "../lib/verify-slot.ts";

const root = fileURLToPath(new URL("../..", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "anomaly-writer-compare-cli-"));
const vm = await startBenchVm();
const tsx = import.meta.resolve("tsx");
const fastCli = fileURLToPath(new URL("./fast-cli.ts", import.meta.url));
try {
  const app = await prepareRunnableApp(root, await ensureAppBuilt(root, (l) => process.stderr.write(`${l}\n`)), dir, (l) => process.stderr.write(`${l}\n`));
  const config = join(dir, "config.yml");
  writeFileSync(config, benchConfigYaml(vm.url));
  const shapes: Shape[] = [resolveShapes(false).wide, resolveShapes(false).long, resolveMemoryShapes(false).big];
  const only = process.argv[2];
  for (const shape of shapes.filter((s) => !only || s.name.startsWith(only))) {
    const next = createSlotAllocator(shape, defaultAnchor());
    const warm = join(dir, "warm.jsonl");
    await writeStreamed(warm, recordsAsJsonLines(generateRecords(shape, next())));
    await runChild(process.execPath, [app.main, "write", "-c", config, "-i", warm]);
    for (let rep = 0; rep < 2; rep++) {
      for (const flavour of ["cli", "package", "proposed"]) {
        const slot = next();
        const file = join(dir, "input.jsonl");
        await writeStreamed(file, recordsAsJsonLines(generateRecords(shape, slot)));
        const args = flavour === "cli" ? [app.main, "write", "-c", config, "-i", file] : ["--import", tsx, fastCli, flavour, vm.url, file];
        const run = await runChild(process.execPath, args, { measureRss: true });
        const check = await verifySlot(vm, shape, slot);
        process.stdout.write(
          `${shape.name.padEnd(11)} ${flavour.padEnd(9)} exit ${run.code}  ${(run.ms / 1000).toFixed(2)} s  peak RSS ${((run.peakRssBytes ?? 0) / 1048576).toFixed(0)} MiB  cpu ${run.cpuSeconds?.toFixed(2)} s  ${check.verified ? "read back ok" : check.note}\n`,
        );
      }
    }
  }
} finally {
  await vm.stop();
  rmSync(dir, { recursive: true, force: true });
}
