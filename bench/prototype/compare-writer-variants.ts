/**
 * Where the library path's time goes, step by step:
 *   node --import tsx prototype/compare-writer-variants.ts wide|long [reps]
 * The bench's own machinery (one VictoriaMetrics, warm-up, a slot per attempt, read-back, rotating
 * order, one process per participant, best of `reps`, default 2) on:
 * - curl: the physical limit, as in the bench;
 * - library*: createVmWriter().write() with default options, gzip, 1 / 8 in flight, 1 / 16 MiB requests;
 * - prototypes (see prototype-participants.ts): encoder × body × post, one change at a time.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startBenchVm } from "../lib/bench-vm.ts";
import { createCurlParticipant } from "../lib/curl-baseline.ts";
import { runEndToEnd, type EndToEndContext, type Participant } from "../lib/end-to-end.ts";
import { createHostedParticipant } from "../lib/hosted-participant.ts";
import { bestSample, formatCpuTable, rateOf, summarizeCpu } from "../lib/results.ts";
import { defaultAnchor, resolveShapes } from "../lib/shapes.ts";
import type { PrototypeSpec } from "./prototype-participants.ts";

const shape = resolveShapes(false)[process.argv[2] === "long" ? "long" : "wide"];
const reps = Number(process.argv[3] ?? 2);
const prototypes: PrototypeSpec[] = [
  { name: "fitted+join+transport", encoder: "package-fitted-cache", body: "join", post: "transport" },
  { name: "template+join+transport", encoder: "template", body: "join", post: "transport" },
  { name: "template+pooled+transport", encoder: "template", body: "pooled", post: "transport" },
  { name: "template+join+raw", encoder: "template", body: "join", post: "raw" },
  { name: "template+pooled+raw", encoder: "template", body: "pooled", post: "raw" },
  { name: "template+pooled+raw,noyield", encoder: "template", body: "pooled", post: "raw", yieldAfterDispatch: false },
];
const dir = mkdtempSync(join(tmpdir(), "anomaly-writer-variants-"));
const vm = await startBenchVm();
const ctx: EndToEndContext = { vm, dir, appMain: "", log: (line) => process.stderr.write(`${line}\n`) };
const participants: Participant[] = [
  createHostedParticipant(ctx, { kind: "library" }),
  createCurlParticipant(ctx),
  createHostedParticipant(ctx, { kind: "library", name: "library,gzip", options: { gzip: true } }),
  createHostedParticipant(ctx, { kind: "library", name: "library,1-in-flight", options: { maxInFlight: 1 } }),
  createHostedParticipant(ctx, { kind: "library", name: "library,8-in-flight", options: { maxInFlight: 8 } }),
  createHostedParticipant(ctx, { kind: "library", name: "library,1MiB-requests", options: { maxRequestBytes: 1 << 20 } }),
  createHostedParticipant(ctx, { kind: "library", name: "library,16MiB-requests", options: { maxRequestBytes: 16 << 20 } }),
  ...prototypes.map((prototype) => createHostedParticipant(ctx, { kind: "prototype", prototype })),
];
try {
  const samples = await runEndToEnd(ctx, shape, participants, reps, defaultAnchor());
  const curl = rateOf(bestSample(samples.curl ?? []));
  process.stdout.write(`\n${shape.name}: best of ${reps}, ratio = datapoints/s ÷ curl's\n\n`);
  for (const [name, list] of Object.entries(samples)) {
    const rate = rateOf(bestSample(list));
    process.stdout.write(`${name.padEnd(30)} ${(rate / 1e6).toFixed(2).padStart(6)} M datapoints/s  ${(rate / curl).toFixed(2)}× curl\n`);
  }
  process.stdout.write(`\n${formatCpuTable(summarizeCpu(shape.name, samples))}\n`);
} finally {
  for (const p of participants) await p.close?.();
  await vm.stop();
  rmSync(dir, { recursive: true, force: true });
}
