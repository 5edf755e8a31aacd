import { DURATION_FORMS, tryParseDuration } from "./parse-duration.ts";
import { describeValue, scalarField } from "./scalar-field.ts";

/** A positive duration in milliseconds: a string like `5s` / `1h30m`, or a YAML number of seconds. */
export const DurationSchema = scalarField((value, report): number => {
  if (typeof value === "number") {
    if (Number.isFinite(value) && value > 0) return value * 1000;
    report(`must be a positive duration, got ${value}; expected ${DURATION_FORMS}`);
  } else if (typeof value === "string") {
    const result = tryParseDuration(value);
    if (!result.ok) report(result.reason);
    else if (result.ms <= 0) report(`must be greater than 0, got "${value.trim()}"`);
    else return result.ms;
  } else {
    report(`must be ${DURATION_FORMS}, got ${describeValue(value)}`);
  }
  return 0;
});
