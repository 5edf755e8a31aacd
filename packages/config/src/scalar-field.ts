import * as v from "valibot";

/** Reports a problem with the value, or with one entry of it when `key` is given. */
export type Report = (message: string, key?: string) => void;

/** Describes a value's YAML type without showing the value (it may be a secret). */
export function describeValue(value: unknown): string {
  if (value === null || value === undefined) return "null";
  if (Array.isArray(value)) return "a list";
  switch (typeof value) {
    case "string":
      return "a string";
    case "number":
      return "a number";
    case "boolean":
      return "a boolean";
    case "object":
      return "a mapping";
    default:
      return typeof value;
  }
}

/**
 * An optional config value: a missing key, `null` (`key:` with nothing after it) and `""` all mean
 * "unset" (helm templates render unset values as `""`); anything else goes through `parse`, which
 * reports problems through `report` and returns the resolved value.
 */
export function scalarField<T>(parse: (value: unknown, report: Report) => T) {
  return v.optional(
    v.pipe(
      v.unknown(),
      v.rawTransform(({ dataset, addIssue, NEVER }): T | undefined => {
        const input = dataset.value;
        if (input === null || input === undefined || input === "") return undefined;
        let failed = false;
        const output = parse(input, (message, key) => {
          failed = true;
          if (key === undefined || !isMapping(input)) {
            addIssue({ message });
          } else {
            addIssue({ message, path: [{ type: "object", origin: "value", input, key, value: input[key] }] });
          }
        });
        return failed ? NEVER : output;
      }),
    ),
  );
}

/** True for a YAML mapping (not a list, not null). */
export function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A plain string. Messages never show the value (it may be a password). */
export const TextSchema = scalarField((value, report): string => {
  if (typeof value === "string") return value;
  report(`must be a string, got ${describeValue(value)}${typeof value === "number" ? " (quote it)" : ""}`);
  return "";
});

/** An integer not below `min`. */
export function integerSchema(min: number) {
  return scalarField((value, report): number => {
    if (typeof value === "number" && Number.isInteger(value) && value >= min) return value;
    if (typeof value === "number") report(`must be an integer >= ${min}, got ${value}`);
    else report(`must be an integer >= ${min}, got ${describeValue(value)}`);
    return min;
  });
}

/** A YAML mapping used as a config section: rejects lists and scalars with a clear message. */
export function sectionGuard() {
  return v.custom<Record<string, unknown>>(
    isMapping,
    (issue) => `must be a mapping, got ${describeValue(issue.input)}`,
  );
}

/** The message of a section's `v.object`: missing keys are "required". */
export function sectionMessage(issue: v.ObjectIssue): string {
  if (issue.input === undefined && issue.path !== undefined) return "is required";
  return `must be a mapping, got ${describeValue(issue.input)}`;
}
