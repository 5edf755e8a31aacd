const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

/** Keys longer than this are shortened in paths (a hostile 64 KiB label name must not fill a response). */
const MAX_KEY_CHARS = 64;

/** `parent.key` for identifier-like keys, `parent["a-b"]` (JSON-quoted) for the others; long keys end in `…`. */
export function propertyPath(parent: string, key: string): string {
  const shown = key.length > MAX_KEY_CHARS ? `${key.slice(0, MAX_KEY_CHARS)}…` : key;
  if (IDENTIFIER.test(shown)) return parent ? `${parent}.${shown}` : shown;
  return `${parent}[${JSON.stringify(shown)}]`;
}

/** A short, single-line description of an unexpected value for an issue message. */
export function describeValue(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  switch (typeof value) {
    case "string": {
      const text = value.length > 40 ? `${value.slice(0, 40)}…` : value;
      return `the string ${JSON.stringify(text)}`;
    }
    case "number":
      return `the number ${String(value)}`;
    case "object":
      return "an object";
    case "undefined":
      return "nothing";
    default:
      return `a ${typeof value}`;
  }
}
