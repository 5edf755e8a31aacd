import type * as v from "valibot";
import type { KeyPath } from "./parse-yaml.ts";
import { LabelMapSchema } from "./label-map-schema.ts";
import { isMapping } from "./scalar-field.ts";
import type { PendingWarning } from "./schema-context.ts";
import { suggestKey } from "./suggest-key.ts";

type AnySchema = v.BaseSchema<unknown, unknown, v.BaseIssue<unknown>>;
interface ObjectLike {
  readonly type: string;
  readonly entries: Readonly<Record<string, AnySchema>>;
}

/** The object schema inside optional / nullable / pipe wrappers, if any. */
export function findObjectSchema(schema: unknown): ObjectLike | undefined {
  if (schema === null || typeof schema !== "object") return undefined;
  const s = schema as { type?: string; entries?: unknown; wrapped?: unknown; pipe?: readonly unknown[] };
  if ((s.type === "object" || s.type === "loose_object" || s.type === "strict_object") && isMapping(s.entries)) {
    return s as ObjectLike;
  }
  if (s.pipe) {
    for (const item of s.pipe) {
      const found = item === schema ? undefined : findObjectSchema(item);
      if (found) return found;
    }
  }
  if (s.wrapped !== undefined) return findObjectSchema(s.wrapped);
  return undefined;
}

/**
 * Walks the raw config along the schema and warns about every key that a `v.object` section
 * does not know (`v.looseObject` sections, such as the root, are not checked), with a
 * "did you mean" when a known key is close.
 */
export function collectUnknownKeys(schema: unknown, value: unknown, path: KeyPath = []): PendingWarning[] {
  const object = findObjectSchema(schema);
  if (object === undefined || !isMapping(value)) return [];
  const warnings: PendingWarning[] = [];
  for (const [key, child] of Object.entries(value)) {
    const entry = object.entries[key];
    if (entry !== undefined && Object.hasOwn(object.entries, key)) {
      warnings.push(...collectUnknownKeys(entry, child, [...path, key]));
    } else if (object.type === "object") {
      const message = unknownKeyMessage(path, key, child, object, value);
      warnings.push({ path: [...path, key], kind: "unknown-key", message, preferKey: true });
    }
  }
  return warnings;
}

function unknownKeyMessage(
  path: KeyPath,
  key: string,
  value: unknown,
  object: ObjectLike,
  section: Record<string, unknown>,
): string {
  const known = Object.keys(object.entries);
  const base = `is not a ${path.join(".")} parameter; it is ignored`;
  const near = suggestKey(key, known);
  if (near !== undefined) return `${base}. Did you mean \`${near}\`?`;
  if (key === "enabled") return `${base}: the section is enabled by being present (known: ${known.join(", ")})`;
  // A scalar next to a label map that the section already has is most likely a mis-indented label.
  const labelMap = known.find((name) => {
    const entry = object.entries[name] as { pipe?: readonly unknown[] } | undefined;
    return (entry === LabelMapSchema || entry?.pipe?.[0] === LabelMapSchema) && isMapping(section[name]);
  });
  if (labelMap !== undefined && (typeof value === "string" || typeof value === "number")) {
    return `${base}. If it is meant as a label, indent it under \`${labelMap}\``;
  }
  return `${base} (known: ${known.join(", ")})`;
}
