import * as v from "valibot";

/** Reports a problem on one key of the section. */
export type ReportOn<T> = (key: keyof T & string, message: string) => void;

/**
 * A check across keys of a section (like `v.partialCheck`, with issues on the key of our choice).
 * It runs even when other keys of the section are wrong, so every problem is reported at once,
 * and is skipped when one of `keys` has a problem of its own.
 */
export function crossCheck<T extends object>(
  keys: readonly (keyof T & string)[],
  rule: (section: Partial<T>, report: ReportOn<T>) => void,
) {
  return v.rawCheck<T>(({ dataset, addIssue }) => {
    const section = dataset.value as Record<string, unknown> | null;
    if (section === null || typeof section !== "object") return;
    const failed = new Set(dataset.issues?.map((issue) => issue.path?.[0]?.key));
    if (keys.some((key) => failed.has(key))) return;
    rule(section as Partial<T>, (key, message) => {
      addIssue({ message, path: [{ type: "object", origin: "value", input: section, key, value: section[key] }] });
    });
  });
}
