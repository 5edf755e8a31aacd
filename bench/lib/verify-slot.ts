import { setTimeout as sleep } from "node:timers/promises";
import type { BenchVm } from "./bench-vm.ts";
import { datapointsOf, generateRecords, type Shape, type Slot, VARIABLES } from "./shapes.ts";

/** What a read-back found. */
export interface Verification {
  readonly verified: boolean;
  readonly note?: string;
}

/** VictoriaMetrics keeps 12-13 significant digits. */
const RELATIVE_TOLERANCE = 1e-9;

/**
 * Prove a measurement by reading it back (VictoriaMetrics answers 204 even for lines it skips):
 * the datapoint and series counts of the slot, and the exact values of one series.
 */
export async function verifySlot(vm: BenchVm, shape: Shape, slot: Slot, seed = 1): Promise<Verification> {
  const expected = datapointsOf(shape);
  const expectedSeries = shape.series * VARIABLES.length;
  // Rows can take a moment to become searchable after the 204 even with a forced flush: ask
  // again a few times (a writer that lost data never gets there).
  let points = 0;
  let series = 0;
  for (let attempt = 0; attempt < 6; attempt++) {
    if (attempt > 0) await sleep(250 * 2 ** (attempt - 1));
    points = await vm.countDatapoints(shape, slot);
    series = await vm.countSeries(shape, slot);
    if (points === expected && series === expectedSeries) break;
  }
  if (points !== expected || series !== expectedSeries) {
    return { verified: false, note: `read back ${points}/${expected} datapoints, ${series}/${expectedSeries} series` };
  }
  // One series, chosen by the slot, compared value by value.
  const pick = (slot.index * 7919) % shape.series;
  const variable = VARIABLES[slot.index % VARIABLES.length] as string;
  let index = 0;
  for (const record of generateRecords(shape, slot, seed)) {
    if (index++ !== pick) continue;
    const labels = { __name__: variable, for: shape.queryKey, ...record.labels, model_alias: record.model_alias };
    const stored = await vm.exportOne(shape, slot, labels);
    const values = record.outputs[variable] ?? [];
    if (!stored || stored.values.length !== values.length) {
      return {
        verified: false,
        note: `series ${JSON.stringify(labels)}: ${stored?.values.length ?? 0}/${values.length} points read back`,
      };
    }
    for (let i = 0; i < values.length; i++) {
      const want = values[i] as number;
      const got = stored.values[i] as number;
      if (
        stored.timestamps[i] !== record.timestamps[i] ||
        Math.abs(got - want) > RELATIVE_TOLERANCE * Math.max(1, Math.abs(want))
      ) {
        return {
          verified: false,
          note: `series ${variable} of record ${pick}: point ${i} is ${got}@${stored.timestamps[i]}, wrote ${want}@${record.timestamps[i]}`,
        };
      }
    }
    break;
  }
  return { verified: true };
}
