import { ConfigError } from "./errors.ts";

const UNIT_MS: Readonly<Record<string, number>> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

const PART = /(\d+(?:\.\d*)?|\.\d+)(ms|s|m|h|d|w)/y;
const BARE_NUMBER = /^(?:\d+(?:\.\d*)?|\.\d+)$/;

export const DURATION_FORMS = "a duration such as 500ms, 5s, 1m, 1h30m, 1d, 1w or 1.5s (a bare number means seconds)";

/** Parses a duration and returns milliseconds, or the reason it is not one. Never throws. */
export function tryParseDuration(text: string): { ok: true; ms: number } | { ok: false; reason: string } {
  const input = text.trim();
  if (input === "") return { ok: false, reason: `empty string is not a duration; expected ${DURATION_FORMS}` };
  if (input.startsWith("-")) return { ok: false, reason: `"${input}" is negative; expected ${DURATION_FORMS}` };
  if (BARE_NUMBER.test(input)) return { ok: true, ms: Number(input) * 1000 };
  let total = 0;
  let index = 0;
  PART.lastIndex = 0;
  while (index < input.length) {
    PART.lastIndex = index;
    const match = PART.exec(input);
    if (match === null) {
      return { ok: false, reason: `"${input}" is not a duration; expected ${DURATION_FORMS}` };
    }
    const [whole, amount = "", unit = ""] = match;
    total += Number(amount) * (UNIT_MS[unit] ?? Number.NaN);
    index += whole.length;
  }
  if (!Number.isFinite(total)) return { ok: false, reason: `"${input}" is too large` };
  return { ok: true, ms: total };
}

/**
 * Parses a duration (`500ms`, `5s`, `1m`, `1h30m`, `1d`, `1w`, `1.5s`; a bare number is seconds)
 * into milliseconds. Throws `ConfigError` on anything else.
 */
export function parseDuration(text: string | number): number {
  if (typeof text === "number") {
    if (Number.isFinite(text) && text >= 0) return text * 1000;
    throw new ConfigError([{ path: "", message: `${text} is not a duration; expected ${DURATION_FORMS}` }]);
  }
  const result = tryParseDuration(text);
  if (result.ok) return result.ms;
  throw new ConfigError([{ path: "", message: result.reason }]);
}
