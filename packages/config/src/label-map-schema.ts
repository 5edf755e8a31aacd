import { describeValue, isMapping, scalarField } from "./scalar-field.ts";

/**
 * A map of label name → label value (`metric_format`, `extra_labels`). Numbers and booleans are
 * turned into strings (`String(1.5)`); null, lists and mappings are errors.
 */
export const LabelMapSchema = scalarField((value, report): Record<string, string> => {
  const labels: Record<string, string> = {};
  if (!isMapping(value)) {
    report(`must be a mapping of label name to value, got ${describeValue(value)}`);
    return labels;
  }
  for (const [name, raw] of Object.entries(value)) {
    if (name.trim() === "") {
      report("label name must not be empty", name);
      continue;
    }
    if (typeof raw === "string" || typeof raw === "number" || typeof raw === "boolean") {
      Object.defineProperty(labels, name, { value: String(raw), enumerable: true, writable: true, configurable: true });
    } else {
      report(`label value must be a string, got ${describeValue(raw)}`, name);
    }
  }
  return labels;
});
