/**
 * The number-preserving CLI scanner of issue 18, measured before building it into the writer:
 * `npx tsx bench/experiments/measure-line-scanner.ts`. It takes the wide bench slot (100,000
 * single-point records, five full-precision values each) as JSON lines in memory, and times
 * today's path (JSON.parse + the text encoder) against the scanner's lower bound (see
 * line-scanner-entry.ts), interleaved, median of 5, after checking that both write the same
 * bytes. The version wired into the writer (guard, limits, lazy records, the writer's intake)
 * measured no faster in the CLI either, and was not kept.
 */
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { bundleForNode } from "../lib/load-built-library.ts";
import { createSlotAllocator, defaultAnchor, generateRecords, resolveShapes } from "../lib/shapes.ts";

const here = dirname(fileURLToPath(import.meta.url));
const out = join(resolve(here, ".."), ".build/line-scanner.mjs");
await bundleForNode(join(here, "line-scanner-entry.ts"), out);
const entry = (await import(out)) as typeof import("./line-scanner-entry.ts");

const shape = resolveShapes(false).wide;
const slot = createSlotAllocator(shape, defaultAnchor())();
const records = [...generateRecords(shape, slot)];
/** The values rounded to 4 decimals, as a model that rounds its output writes them: the scanner's best case. */
const round = (record: (typeof records)[number]) => ({
  ...record,
  outputs: Object.fromEntries(
    Object.entries(record.outputs).map(([name, values]) => [name, values.map((v) => Math.round(v * 1e4) / 1e4)]),
  ),
});
const datasets: [string, string[]][] = [
  ["full-precision values (numpy's float64, the bench's data)", records.map((r) => JSON.stringify(r))],
  ["values rounded to 4 decimals", records.map((r) => JSON.stringify(round(r)))],
];

checkCanonical();
for (const [title, lines] of datasets) measure(title, lines);

/**
 * canonicalNumberText's promise, checked before anything is timed: where it answers, it answers
 * what JavaScript prints for the literal's double (random doubles written with 1 to 17
 * significant digits, in plain and exponent form, with trailing zeros, signs and -0).
 */
function checkCanonical(): void {
  let answered = 0;
  const literals = ["0", "-0", "0.0", "-0.000", "1e21", "100000000000000000000", "0.000001", "0.0000001"];
  for (let i = 0; i < 200_000; i++) {
    const magnitude = 10 ** Math.floor(Math.random() * 40 - 20);
    const x = (Math.random() - 0.5) * magnitude;
    const digits = 1 + (i % 17);
    literals.push(
      x.toPrecision(digits),
      x.toFixed(Math.min(20, digits)),
      `${x}`,
      `${Math.round(x)}.${"0".repeat(i % 3)}`,
    );
  }
  for (const literal of literals) {
    if (!/^-?(0|[1-9]\d*)(\.\d+)?([eE][-+]?\d+)?$/.test(literal)) continue; // not a JSON number (e.g. "1.e5")
    const text = entry.canonical(literal);
    if (text === undefined) continue;
    answered++;
    if (text !== String(Number(literal)))
      throw new Error(`canonicalNumberText(${literal}) = ${text}, but JavaScript prints ${String(Number(literal))}`);
  }
  console.log(
    `canonicalNumberText: ${answered} of ${literals.length} random literals answered, each as JavaScript prints it`,
  );
}

function measure(title: string, lines: readonly string[]): void {
  const today = entry.parseAndEncode(lines, true);
  const scanned = entry.scanAndBuild(lines, true);
  const differing = today.texts.findIndex((text, i) => text !== scanned.texts[i]);
  if (differing !== -1 || today.chars !== scanned.chars)
    throw new Error(`the scanner's text differs from today's path at line ${differing + 1}`);
  console.log(
    `\n${title}: ${lines.length} lines, ${scanned.literals} values; literals copied: ${scanned.copied} (${((100 * scanned.copied) / scanned.literals).toFixed(1)} %), the rest parsed and printed; both texts equal, line by line (${today.chars} characters)`,
  );
  const runs: Record<string, number[]> = {
    "JSON.parse": [],
    "JSON.parse + text encoder (today)": [],
    scan: [],
    "scan + build (the scanner's lower bound)": [],
  };
  const time = (name: string, fn: () => unknown) => {
    const t0 = performance.now();
    fn();
    runs[name]?.push(performance.now() - t0);
  };
  for (let rep = 0; rep < 6; rep++) {
    time("JSON.parse", () => entry.parseOnly(lines));
    time("JSON.parse + text encoder (today)", () => entry.parseAndEncode(lines, false));
    time("scan", () => entry.scanOnly(lines));
    time("scan + build (the scanner's lower bound)", () => entry.scanAndBuild(lines, false));
  }
  const median = (xs: number[]) => {
    const sorted = xs.slice(1).sort((a, b) => a - b); // the first round warms up
    return sorted[Math.floor(sorted.length / 2)] as number;
  };
  console.log("| path | ms per 100,000 lines (median of 5) |\n|---|---|");
  for (const [name, xs] of Object.entries(runs)) console.log(`| ${name} | ${median(xs).toFixed(0)} |`);
}
