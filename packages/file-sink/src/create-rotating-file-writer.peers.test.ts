import { execFile } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { startVictoriaMetrics, type VictoriaMetricsServer } from "@anomaly-writer/test-stack";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRotatingFileWriter } from "./create-rotating-file-writer.ts";

// The files are imported the way a user would: `curl --data-binary @file {vm}/api/v1/import`.
const run = promisify(execFile);
const T0 = 1_732_406_400_000;

let vm: VictoriaMetricsServer;
let dir: string;
beforeAll(async () => {
  vm = await startVictoriaMetrics();
  dir = await mkdtemp(join(tmpdir(), "anomaly-writer-file-sink-vm-"));
});
afterAll(async () => {
  await vm?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

interface Series {
  readonly metric: Readonly<Record<string, string>>;
  readonly values: readonly number[];
  readonly timestamps: readonly number[];
}

/** VictoriaMetrics JSON lines, as the `vm` class writes them; hostile label values included. */
function seriesOf(name: string, count: number): Series[] {
  return Array.from({ length: count }, (_, i) => ({
    metric: {
      __name__: name,
      for: "cpu_rate",
      instance: `host-${i}:9100`,
      note: i % 3 === 0 ? 'quote " nl \n emoji 😀' : `n${i}`,
    },
    values: [i, i + 0.5, -i - 0.25],
    timestamps: [T0, T0 + 60_000, T0 + 120_000],
  }));
}
const lineOf = (s: Series) => `${JSON.stringify(s)}\n`;

async function importFile(file: string): Promise<void> {
  const { stdout, stderr } = await run("curl", [
    "-sS",
    "--fail-with-body",
    "--data-binary",
    `@${file}`,
    `${vm.url}/api/v1/import`,
  ]);
  expect(stdout + stderr).toBe("");
}

const exported = async (name: string) =>
  (await vm.exportSeries(`{__name__="${name}"}`)).map((s) => ({
    metric: s.metric,
    values: s.values,
    timestamps: s.timestamps,
  }));
const byInstance = (a: Series, b: Series) =>
  (a.metric.instance ?? "").localeCompare(b.metric.instance ?? "", "en", { numeric: true });

describe("rotated files imported into VictoriaMetrics with curl", () => {
  it("every file imports on its own and together they hold every series", async () => {
    const path = join(dir, "all", "out.jsonl");
    const series = seriesOf("fs_all", 60);
    const writer = createRotatingFileWriter({ path, maxBytes: 1500, maxFiles: 100 });
    // Batches of several lines, as the writer would hand them over.
    for (let i = 0; i < series.length; i += 4)
      await writer.write(
        series
          .slice(i, i + 4)
          .map(lineOf)
          .join(""),
      );
    await writer.close();
    const files = [path];
    for (let n = 1; existsSync(`${path}.${n}`); n++) files.push(`${path}.${n}`);
    expect(files.length).toBeGreaterThan(5);
    for (const file of files) {
      const text = readFileSync(file, "utf8");
      expect(text.endsWith("\n")).toBe(true);
      if (text.split("\n").length > 2) expect(Buffer.byteLength(text)).toBeLessThanOrEqual(1500);
      await importFile(file);
    }
    const back = await exported("fs_all");
    expect(back.sort(byInstance)).toEqual(series);
  });

  it("after maxFiles rotations only the newest series are left to import", async () => {
    const path = join(dir, "few", "out.jsonl");
    const series = seriesOf("fs_few", 12);
    const writer = createRotatingFileWriter({
      path,
      maxBytes: Buffer.byteLength(lineOf(series[1]!)) + 10,
      maxFiles: 2,
      fsync: true,
    });
    for (const s of series) await writer.write(lineOf(s));
    await writer.close();
    expect([existsSync(path), existsSync(`${path}.1`), existsSync(`${path}.2`), existsSync(`${path}.3`)]).toEqual([
      true,
      true,
      true,
      false,
    ]);
    for (const file of [`${path}.2`, `${path}.1`, path]) await importFile(file);
    expect((await exported("fs_few")).sort(byInstance)).toEqual(series.slice(-3));
  });
});
