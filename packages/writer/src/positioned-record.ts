const POSITIONED = Symbol.for("anomaly-writer.positioned-record");

/**
 * One input record with where it came from ("line 7", "record 3"), or the reason it could not
 * be read at all (a JSON syntax error). The writer reports problems with this position.
 */
export interface PositionedRecord {
  readonly [POSITIONED]: true;
  readonly position: string;
  readonly value?: unknown;
  readonly parseError?: string;
}

/** Wrap a parsed record with its position. */
export function atPosition(value: unknown, position: string): PositionedRecord {
  return { [POSITIONED]: true, position, value };
}

/** An input entry that could not be parsed; counted as an invalid record. */
export function unreadable(position: string, parseError: string): PositionedRecord {
  return { [POSITIONED]: true, position, parseError };
}

/** True for values made by atPosition or unreadable. */
export function isPositionedRecord(value: unknown): value is PositionedRecord {
  return typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[POSITIONED] === true;
}
