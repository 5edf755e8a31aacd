import type { BenchVm } from "./bench-vm.ts";
import { processCpuSeconds, waitForIdle } from "./cpu.ts";
import { collectGarbage } from "./measure.ts";
import type { Sample } from "./results.ts";
import {
  type BenchRecord,
  createSlotAllocator,
  datapointsOf,
  materializeRecords,
  type Shape,
  type Slot,
} from "./shapes.ts";
import { verifySlot } from "./verify-slot.ts";

/** What the end-to-end benchmarks share: the run's VictoriaMetrics, a temp dir, the CLI. */
export interface EndToEndContext {
  readonly vm: BenchVm;
  /** A temporary directory for bodies and input files (removed by the runner). */
  readonly dir: string;
  /** `apps/writer/dist/main.mjs`. */
  readonly appMain: string;
  readonly log: (line: string) => void;
}

/** The timed part of one attempt. */
export interface Measured {
  readonly ms: number;
  /** CPU seconds the client (our process, curl, the CLI) used in the timed part. */
  readonly clientCpuS?: number;
  readonly note?: string;
}

/** One way of getting a slot's records into VictoriaMetrics (curl, the library, the CLI, the peer). */
export interface Participant {
  readonly name: string;
  /** It makes the slot's records itself (in its own process): the driver passes none. */
  readonly generatesOwnRecords?: boolean;
  /**
   * Write the records of a slot and return the timed part in ms. Preparation (pre-serializing,
   * writing input files) happens inside but outside the timed part.
   */
  measure(shape: Shape, slot: Slot, records: readonly BenchRecord[]): Promise<Measured>;
  /** Write a slot untimed (series creation in VictoriaMetrics, JIT); default: measure. */
  warmUp?(shape: Shape, slot: Slot, records: readonly BenchRecord[]): Promise<void>;
  close?(): Promise<void>;
}

/**
 * Run the participants `reps` times each on one shape, interleaved and in a rotating order (so
 * that a slow phase of a shared machine does not fall on one participant), each on its own slot
 * of the same series, every attempt read back and started once VictoriaMetrics is idle again
 * (its merges after the previous attempt are not billed to the next).
 * The first participant first writes a warm-up slot: afterwards every series is known to
 * VictoriaMetrics ("series already known to VM", the inference case); participants with a
 * `warmUp` (long-lived writers) write one too, so that their label cache is warm.
 */
export async function runEndToEnd(
  ctx: EndToEndContext,
  shape: Shape,
  participants: readonly Participant[],
  reps: number,
  anchor: number,
): Promise<Record<string, Sample[]>> {
  const nextSlot = createSlotAllocator(shape, anchor);
  const samples: Record<string, Sample[]> = Object.fromEntries(participants.map((p) => [p.name, [] as Sample[]]));
  // The first participant creates the series; the others with state (a writer and its label
  // cache) warm up too, each on its own slot.
  for (const [i, warm] of participants.entries()) {
    if (i > 0 && !warm.warmUp) continue;
    const slot = nextSlot();
    const t0 = performance.now();
    const records = warm.generatesOwnRecords ? [] : materializeRecords(shape, slot);
    await (warm.warmUp ? warm.warmUp(shape, slot, records) : warm.measure(shape, slot, records));
    ctx.log(`  ${shape.name}: warm-up by ${warm.name} in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  }
  for (let rep = 0; rep < reps; rep++) {
    for (let k = 0; k < participants.length; k++) {
      const participant = participants[(rep + k) % participants.length] as Participant;
      const slot = nextSlot();
      const records = participant.generatesOwnRecords ? [] : materializeRecords(shape, slot);
      let sample: Sample;
      try {
        // VictoriaMetrics' CPU is billed to the attempt that causes it, not to the next one: its
        // background work after the previous attempt (merging parts, the read-back) ends first.
        await waitForIdle(ctx.vm.server.pid);
        collectGarbage();
        const vmBefore = processCpuSeconds(ctx.vm.server.pid);
        const { ms, note, clientCpuS } = await participant.measure(shape, slot, records);
        const vmCpuS = processCpuSeconds(ctx.vm.server.pid) - vmBefore;
        const check = await verifySlot(ctx.vm, shape, slot);
        sample = {
          ms,
          datapoints: datapointsOf(shape),
          verified: check.verified,
          ...(Number.isFinite(vmCpuS) ? { vmCpuS } : {}),
          ...(clientCpuS !== undefined && Number.isFinite(clientCpuS) ? { clientCpuS } : {}),
          ...(note || check.note ? { note: [note, check.note].filter(Boolean).join("; ") } : {}),
        };
      } catch (error) {
        sample = {
          ms: Number.NaN,
          datapoints: datapointsOf(shape),
          verified: false,
          note: `failed: ${(error as Error).message.slice(0, 300)}`,
        };
      }
      (samples[participant.name] as Sample[]).push(sample);
      const rate = (sample.datapoints / sample.ms) * 1000;
      const cpu = `  cpu-s: client ${sample.clientCpuS?.toFixed(2) ?? "?"}, VM ${sample.vmCpuS?.toFixed(2) ?? "?"}`;
      ctx.log(
        `  ${shape.name} #${rep + 1} ${participant.name.padEnd(14)} ${sample.ms.toFixed(0).padStart(6)} ms  ${(rate / 1e6).toFixed(2)} M datapoints/s${cpu}` +
          `${sample.verified ? "  read back ok" : "  READ-BACK FAILED"}${sample.note ? `  (${sample.note})` : ""}`,
      );
    }
  }
  return samples;
}
