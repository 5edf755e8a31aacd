// Part of the number-preserving scanner experiment (measure-line-scanner.ts), not used by the
// writer (the version wired into the writer was measured in the CLI and not kept).

/** Significant digits that every decimal keeps through a double and back (DBL_DIG). */
const EXACT_DIGITS = 15;

/**
 * The text JavaScript prints for the double of a JSON number literal (`String(Number(literal))`),
 * found from the literal's text alone, or undefined when that cannot be proven without parsing
 * and formatting the number.
 *
 * It answers for literals in plain form (no exponent) of at most 15 significant digits, from
 * 1e-6 up to below 1e21: two such decimals never round to one double, so the double's shortest
 * round-trip text is the literal itself with trailing fraction zeros (and a bare point) taken
 * off, and JavaScript writes numbers of that range without an exponent. `-0` and `-0.0` print
 * as `0`. Numpy's and Python's full-precision output (16–17 digits) is left to the caller.
 */
export function canonicalNumberText(literal: string): string | undefined {
  const length = literal.length;
  const start = literal.charCodeAt(0) === 45 ? 1 : 0;
  // One pass: where the point is, the first and the last digit other than 0.
  let dot = -1;
  let first = -1;
  let last = -1;
  let digits = 0;
  for (let i = start; i < length; i++) {
    const c = literal.charCodeAt(i);
    if (c === 46) {
      dot = i;
      continue;
    }
    if (c < 48 || c > 57) return undefined; // an exponent, or not a number literal
    if (c === 48) continue;
    if (first === -1) first = i;
    last = i;
    // More than 15 non-zero digits can't be proven (numpy's common case): stop early.
    if (++digits > EXACT_DIGITS) return undefined;
  }
  const intEnd = dot === -1 ? length : dot;
  if (intEnd === start || dot === length - 1) return undefined; // not JSON
  if (intEnd - start > 1 && literal.charCodeAt(start) === 48) return undefined; // not JSON
  if (first === -1) return "0"; // 0, -0, 0.000 and the like print as 0
  // Significant digits: from the first to the last non-zero digit, the point not counted.
  const significant = last - first + 1 - (dot > first && dot < last ? 1 : 0);
  if (significant > EXACT_DIGITS) return undefined;
  let text: string;
  if (first < intEnd) {
    // 1 or more: JavaScript writes an exponent from 1e21 on.
    if (intEnd - start > 21) return undefined;
    text = dot === -1 || last < dot ? literal.slice(start, intEnd) : literal.slice(start, last + 1);
  } else {
    // Below 1: from 1e-6 on without an exponent (0.000001), below with one (1e-7).
    if (first - dot - 1 >= 6) return undefined;
    text = literal.slice(start, last + 1);
  }
  return start === 1 ? `-${text}` : text;
}
