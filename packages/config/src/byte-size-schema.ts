import { describeValue, scalarField } from "./scalar-field.ts";

const UNIT_BYTES: Readonly<Record<string, number>> = {
  b: 1,
  kb: 1000,
  mb: 1000 ** 2,
  gb: 1000 ** 3,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
};
const SIZE = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i;

export const BYTE_SIZE_FORMS = "a size such as 32MiB, 512KiB, 10MB or a number of bytes";

/** A positive size in bytes: a YAML integer (bytes) or a string like `32MiB`, `512KiB`, `10MB`, `1GiB`. */
export const ByteSizeSchema = scalarField((value, report): number => {
  if (typeof value === "number") {
    if (Number.isInteger(value) && value > 0) return value;
    report(`must be a positive whole number of bytes or ${BYTE_SIZE_FORMS}, got ${value}`);
    return 0;
  }
  if (typeof value !== "string") {
    report(`must be ${BYTE_SIZE_FORMS}, got ${describeValue(value)}`);
    return 0;
  }
  const match = SIZE.exec(value.trim());
  const unit = UNIT_BYTES[(match?.[2] ?? "").toLowerCase() || "b"];
  const bytes = match && unit !== undefined ? Math.floor(Number(match[1]) * unit) : Number.NaN;
  if (!Number.isSafeInteger(bytes) || bytes <= 0) {
    report(`must be ${BYTE_SIZE_FORMS} (units B, KB, MB, GB, KiB, MiB, GiB), got "${value.trim()}"`);
    return 0;
  }
  return bytes;
});
