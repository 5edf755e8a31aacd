import * as v from "valibot";
import { LabelMapSchema } from "./label-map-schema.ts";
import type { KeyPath } from "./parse-yaml.ts";
import { isMapping } from "./scalar-field.ts";
import type { PendingWarning } from "./schema-context.ts";
import { suggestKey } from "./suggest-key.ts";

type AnySchema = v.BaseSchema<unknown, unknown, v.BaseIssue<unknown>>;
interface ObjectLike {
  readonly type: string;
  readonly entries: Readonly<Record<string, AnySchema>>;
}
interface Wrapped {
  readonly type?: string;
  readonly entries?: unknown;
  readonly item?: unknown;
  readonly wrapped?: unknown;
  readonly pipe?: readonly unknown[];
  readonly metadata?: unknown;
}

/** A key that its section does not know; `isError` for sections that refuse unknown keys. */
export interface UnknownKey extends PendingWarning {
  readonly isError: boolean;
}

/** Sections of a vmanomaly config that are not ours: never reported as unknown. */
const VMANOMALY_SECTIONS = new Set([
  "reader",
  "models",
  "model",
  "schedulers",
  "scheduler",
  "settings",
  "server",
  "preset",
]);

/**
 * Put in a section's `v.pipe` to make its unknown keys (and those of the mappings under it)
 * errors instead of warnings: for sections where a misspelt key weakens security.
 */
export function refuseUnknownKeys<TInput>() {
  return v.metadata<TInput, { readonly unknownKeys: "error" }>({ unknownKeys: "error" });
}

/** The object schema inside optional / nullable / pipe wrappers, if any, and whether it refuses unknown keys. */
export function findObjectSchema(schema: unknown): (ObjectLike & { readonly refuses: boolean }) | undefined {
  if (schema === null || typeof schema !== "object") return undefined;
  const s = schema as Wrapped;
  if ((s.type === "object" || s.type === "loose_object" || s.type === "strict_object") && isMapping(s.entries)) {
    return { ...(s as ObjectLike), refuses: false };
  }
  if (s.pipe) {
    const refuses = s.pipe.some(
      (item) => (item as Wrapped).type === "metadata" && isRefusal((item as Wrapped).metadata),
    );
    for (const item of s.pipe) {
      const found = item === schema ? undefined : findObjectSchema(item);
      if (found) return { ...found, refuses: found.refuses || refuses };
    }
  }
  if (s.wrapped !== undefined) return findObjectSchema(s.wrapped);
  return undefined;
}

function isRefusal(metadata: unknown): boolean {
  return isMapping(metadata) && metadata.unknownKeys === "error";
}

/** The item schema of an array inside optional / nullable / pipe wrappers, if any. */
function findArrayItemSchema(schema: unknown): unknown {
  if (schema === null || typeof schema !== "object") return undefined;
  const s = schema as Wrapped;
  if (s.type === "array") return s.item;
  for (const item of s.pipe ?? []) {
    const found = item === schema ? undefined : findArrayItemSchema(item);
    if (found !== undefined) return found;
  }
  return s.wrapped === undefined ? undefined : findArrayItemSchema(s.wrapped);
}

/**
 * Walks the raw config along the schema and reports every key that a `v.object` section does not
 * know, with a "did you mean" when a known key is close. They are warnings (real configs carry
 * undocumented keys), errors under a section marked with `refuseUnknownKeys`. In `v.looseObject`
 * sections (the root) only a near miss of one of our sections is reported.
 */
export function collectUnknownKeys(
  schema: unknown,
  value: unknown,
  path: KeyPath = [],
  refusing = false,
): UnknownKey[] {
  if (Array.isArray(value)) {
    const item = findArrayItemSchema(schema);
    return item === undefined
      ? []
      : value.flatMap((element, index) => collectUnknownKeys(item, element, [...path, index], refusing));
  }
  const object = findObjectSchema(schema);
  if (object === undefined || !isMapping(value)) return [];
  const refuses = refusing || object.refuses;
  const found: UnknownKey[] = [];
  for (const [key, child] of Object.entries(value)) {
    const entry = object.entries[key];
    if (entry !== undefined && Object.hasOwn(object.entries, key)) {
      found.push(...collectUnknownKeys(entry, child, [...path, key], refuses));
    } else if (object.type === "object") {
      const message = unknownKeyMessage(path, key, child, object, value, refuses);
      found.push({ path: [...path, key], kind: "unknown-key", message, preferKey: true, isError: refuses });
    } else if (object.type === "loose_object" && path.length === 0) {
      const near = VMANOMALY_SECTIONS.has(key) ? undefined : suggestKey(key, Object.keys(object.entries));
      const isError = near !== undefined && findObjectSchema(object.entries[near])?.refuses === true;
      if (near !== undefined)
        found.push({
          path: [key],
          kind: "unknown-key",
          message: sectionNearMiss(near, isError),
          preferKey: true,
          isError,
        });
    }
  }
  return found;
}

function sectionNearMiss(near: string, isError: boolean): string {
  if (!isError) return `is not a section of the config; it is ignored. Did you mean \`${near}\`?`;
  return `is not a section of the config. Did you mean \`${near}\`? A misspelt ${near} section would leave its authentication and TLS unset, so it is refused`;
}

function unknownKeyMessage(
  path: KeyPath,
  key: string,
  value: unknown,
  object: ObjectLike,
  section: Record<string, unknown>,
  refuses: boolean,
): string {
  const known = Object.keys(object.entries);
  const where = path.filter((segment) => typeof segment === "string").join(".");
  const what = `${/^[aeiou]/i.test(where) ? "an" : "a"} ${where} parameter`;
  const base = refuses
    ? `is not ${what}: unknown keys are refused in this section (a misspelt key could leave authentication or TLS unset)`
    : `is not ${what}; it is ignored`;
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
