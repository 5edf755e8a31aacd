/** What a raw output value is: a finite number, or why it is dropped; `invalid` is a record error. */
export type ValueClass = "finite" | "nan" | "inf" | "invalid";

const NON_FINITE_STRING = /^[+-]?(?:(nan)|inf(?:inity)?)$/i;

/** Classify one raw output value (spec §2). Strings other than NaN/Inf spellings are invalid. */
export function classifyValue(value: unknown): ValueClass {
  if (typeof value === "number") {
    if (value - value === 0) return "finite";
    return Number.isNaN(value) ? "nan" : "inf";
  }
  if (value === null) return "nan";
  if (typeof value === "string") {
    const match = NON_FINITE_STRING.exec(value);
    if (match) return match[1] === undefined ? "inf" : "nan";
  }
  return "invalid";
}
