/** True for an object that is not `null` and not an array (what a JSON object parses to). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
