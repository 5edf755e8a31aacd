const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/** VictoriaMetrics' units of `-retentionPeriod`; a bare number counts months of 31 days. */
const UNIT_MS: Readonly<Record<string, number>> = {
  h: HOUR_MS,
  d: DAY_MS,
  w: 7 * DAY_MS,
  y: 365 * DAY_MS,
  "": 31 * DAY_MS,
};

const RETENTION = /^(\d+(?:\.\d+)?|\.\d+)([hdwy]?)$/;

/**
 * Milliseconds of a VictoriaMetrics `-retentionPeriod` value as the server reads it: `100y`,
 * `2w`, `31d`, `12h`, or a bare number of months (`1` = 31 days, a year 365 days), as verified
 * against VictoriaMetrics 1.79. Undefined for anything else (never throws).
 */
export function parseRetentionPeriod(text: string): number | undefined {
  const match = RETENTION.exec(text.trim().toLowerCase());
  if (match === null) return undefined;
  const ms = Number(match[1]) * (UNIT_MS[match[2] ?? ""] as number);
  return Number.isFinite(ms) && ms > 0 ? Math.round(ms) : undefined;
}
