// Sums the vitest JSON reports of every package (.test-results/*.json) into one closing line:
// "Tests: N passed, N failed, N skipped". With --reset, removes old reports first.
import { mkdirSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";

const dir = join(import.meta.dirname, "..", ".test-results");
if (process.argv.includes("--reset")) {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  process.exit(0);
}
let passed = 0;
let failed = 0;
let skipped = 0;
const rows = [];
for (const file of readdirSync(dir)
  .filter((f) => f.endsWith(".json"))
  .sort()) {
  const report = JSON.parse(readFileSync(join(dir, file), "utf8"));
  const p = report.numPassedTests ?? 0;
  const f = (report.numFailedTests ?? 0) + (report.numFailedTestSuites ?? 0);
  const s = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
  rows.push(
    `  ${file.replace(/\.json$/, "").padEnd(16)} ${String(p).padStart(4)} passed ${String(f).padStart(3)} failed ${String(s).padStart(3)} skipped`,
  );
  passed += p;
  failed += f;
  skipped += s;
}
console.log(["", "Per package:", ...rows, ""].join("\n"));
console.log(`Tests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
