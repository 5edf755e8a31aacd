/** Exit codes of the runner (spec §8). */
export const EXIT_OK = 0;
/** Some records or points failed permanently (a summary was printed). */
export const EXIT_PARTIAL = 1;
/** Config or usage error. */
export const EXIT_USAGE = 2;

/** Raised for usage and config errors; main maps it to exit code 2. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}
