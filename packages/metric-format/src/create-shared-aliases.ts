import type { TemplateLimits } from "./resolve-template-checks.ts";
import type { ModelOutputRecord } from "./types.ts";
import { SURROGATE } from "./well-formed.ts";

const ALIASES = ["model_alias", "scheduler_alias", "preset"] as const;

/** The aliases' part of a template path's line: their text, how many labels, its UTF-8 bytes. */
export interface AliasPart {
  readonly text: string;
  readonly labels: number;
  readonly bytes: number;
}

/**
 * A template path's aliases (model_alias, scheduler_alias, preset) as text, each non-empty one
 * written by `piece(name, value)` (`,"k":"v"` for JSON lines, `,k="v"` for Prometheus text), or
 * undefined when one of them needs the general path (not a string, a lone surrogate, near the
 * value limit). The records of one inference share their aliases: the text of the previous
 * record is reused while its three aliases are the same.
 */
export function createSharedAliases(
  limits: TemplateLimits | undefined,
  piece: (name: string, value: string) => string,
): (record: ModelOutputRecord) => AliasPart | undefined {
  let lastModel: unknown = {};
  let lastScheduler: unknown;
  let lastPreset: unknown;
  let last: AliasPart | undefined;
  const render = (record: ModelOutputRecord): AliasPart | undefined => {
    let text = "";
    let labels = 0;
    for (const alias of ALIASES) {
      const value: unknown = record[alias];
      if (value === undefined || value === null || value === "") continue;
      if (typeof value !== "string" || SURROGATE.test(value) || (limits && value.length * 3 > limits.maxValueBytes))
        return undefined;
      text += piece(alias, value);
      labels++;
    }
    return { text, labels, bytes: Buffer.byteLength(text) };
  };
  return (record) => {
    const model = record.model_alias;
    const scheduler = record.scheduler_alias;
    const preset = record.preset;
    if (model !== lastModel || scheduler !== lastScheduler || preset !== lastPreset) {
      lastModel = model;
      lastScheduler = scheduler;
      lastPreset = preset;
      last = render(record);
    }
    return last;
  };
}
