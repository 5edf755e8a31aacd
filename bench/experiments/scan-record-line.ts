// Part of the number-preserving scanner experiment (measure-line-scanner.ts), not used by the
// writer (the version wired into the writer was measured in the CLI and not kept).

/**
 * A single-point model-output record read from its JSON line without building it: the pieces a
 * template path writes, as slices of the line, the output values as their number literals.
 * Field names are the record's where they mean the same (aliases).
 */
export interface ScannedLine {
  /** The line it was read from (what JSON.parse makes the record of, when the record is needed). */
  readonly line: string;
  readonly query_key: string;
  readonly model_alias: string | undefined;
  readonly scheduler_alias: string | undefined;
  readonly preset: string | undefined;
  /** Input label names and values, in the line's order (no escapes: the text is the value). */
  readonly labelNames: readonly string[];
  readonly labelValues: readonly string[];
  /** The one timestamp, and its literal (which is what JavaScript prints for it). */
  readonly timestamp: number;
  readonly timestampText: string;
  /** Output variables in the line's order, and each one's number literal. */
  readonly variables: readonly string[];
  readonly literals: readonly string[];
}

/**
 * What the scanner leaves to JSON.parse: a backslash (an escape), a control character (JSON
 * whitespace other than a space, or invalid JSON), a surrogate (a character outside the BMP, or
 * a lone one, which the template paths leave to the general path anyway).
 */
const OUTSIDE = /[\u0000-\u001f\\\ud800-\udfff]/;

const DIGITS = /^\d+$/;
const SPACE = 32;
const QUOTE = 34;
const COMMA = 44;
const COLON = 58;
const OPEN_ARRAY = 91;
const CLOSE_ARRAY = 93;
const OPEN_OBJECT = 123;
const CLOSE_OBJECT = 125;

// The scan's line and cursor. Module state, not a class or closures: the scan is synchronous,
// and V8 keeps these plain loops about twice as fast as callbacks per member.
let s = "";
let pos = 0;

/** The next character after spaces (NaN at the end). */
function peek(): number {
  let c = s.charCodeAt(pos);
  while (c === SPACE) c = s.charCodeAt(++pos);
  return c;
}

/** The string that starts here (the line has no backslash, so its text ends at the next quote). */
function string(): string | undefined {
  if (peek() !== QUOTE) return undefined;
  const end = s.indexOf('"', pos + 1);
  if (end === -1) return undefined;
  const text = s.slice(pos + 1, end);
  pos = end + 1;
  return text;
}

/** Step over `c` after spaces; false when something else is there. */
function take(c: number): boolean {
  if (peek() !== c) return false;
  pos++;
  return true;
}

/** Step over the `,` between members (true) or the closing `}` (false, `closed` set). */
let closed = false;
function next(): boolean {
  const c = peek();
  pos++;
  closed = c === CLOSE_OBJECT;
  return c === COMMA;
}

/** A JSON number literal, or undefined when none starts here. */
function number(): string | undefined {
  const start = pos;
  let i = start;
  let c = s.charCodeAt(i);
  if (c === 45) c = s.charCodeAt(++i);
  if (c === 48) c = s.charCodeAt(++i);
  else if (c >= 49 && c <= 57) {
    do c = s.charCodeAt(++i);
    while (c >= 48 && c <= 57);
  } else return undefined;
  if (c === 46) {
    c = s.charCodeAt(++i);
    if (!(c >= 48 && c <= 57)) return undefined;
    do c = s.charCodeAt(++i);
    while (c >= 48 && c <= 57);
  }
  if (c === 101 || c === 69) {
    c = s.charCodeAt(++i);
    if (c === 43 || c === 45) c = s.charCodeAt(++i);
    if (!(c >= 48 && c <= 57)) return undefined;
    do c = s.charCodeAt(++i);
    while (c >= 48 && c <= 57);
  }
  pos = i;
  return s.slice(start, i);
}

/** `[literal]`: an array of exactly one number. */
function single(): string | undefined {
  if (!take(OPEN_ARRAY)) return undefined;
  peek();
  const literal = number();
  return literal !== undefined && take(CLOSE_ARRAY) ? literal : undefined;
}

/**
 * An object of `"name": value` members into names and values (each value read by `single` or
 * `string`); false for anything else, a repeated or awkward name included.
 */
function members(names: string[], values: string[], numbers: boolean): boolean {
  if (!take(OPEN_OBJECT)) return false;
  if (take(CLOSE_OBJECT)) return true;
  do {
    const name = string();
    if (name === undefined || !take(COLON)) return false;
    const value = numbers ? single() : string();
    if (value === undefined || awkwardKey(name) || names.includes(name)) return false;
    names.push(name);
    values.push(value);
  } while (next());
  return closed;
}

/**
 * A name JSON.parse would make an object key with another meaning or order: `__proto__`, or an
 * array index (which objects list first, whatever the line's order).
 */
function awkwardKey(name: string): boolean {
  const c = name.charCodeAt(0);
  return (c >= 48 && c <= 57) || name === "__proto__";
}

/**
 * Read a JSON line as a single-point model-output record of the common form, or undefined to
 * leave it to JSON.parse: an object of `query_key`, `labels` (strings), `timestamps` (one
 * integer), `outputs` (variables of one number each) and string aliases, each at most once, with
 * spaces at most between the tokens and nothing escaped. Other top-level keys (which records
 * ignore) are skipped when their value is a string or a number. Whatever it answers is what
 * JSON.parse reads from the line, with the values' literals kept.
 */
export function scanRecordLine(line: string): ScannedLine | undefined {
  if (OUTSIDE.test(line)) return undefined;
  s = line;
  pos = 0;
  const scan = scanLine(line);
  s = ""; // not keeping the last line alive
  return scan;
}

function scanLine(line: string): ScannedLine | undefined {
  // The record's string fields, each at most once.
  const strings: Record<string, string | undefined> = {
    query_key: undefined,
    model_alias: undefined,
    scheduler_alias: undefined,
    preset: undefined,
  };
  let labelNames: string[] | undefined;
  let labelValues: string[] | undefined;
  let timestampText: string | undefined;
  let variables: string[] | undefined;
  let literals: string[] | undefined;
  if (!take(OPEN_OBJECT) || take(CLOSE_OBJECT)) return undefined;
  do {
    const key = string();
    if (key === undefined || !take(COLON)) return undefined;
    // Each known key at most once, with a value of its kind.
    if (key === "labels") {
      if (labelNames !== undefined) return undefined;
      labelNames = [];
      labelValues = [];
      if (!members(labelNames, labelValues, false)) return undefined;
    } else if (key === "outputs") {
      if (variables !== undefined) return undefined;
      variables = [];
      literals = [];
      if (!members(variables, literals, true)) return undefined;
    } else if (key === "timestamps") {
      if (timestampText !== undefined) return undefined;
      timestampText = single();
      if (timestampText === undefined) return undefined;
    } else if (Object.hasOwn(strings, key)) {
      if (strings[key] !== undefined) return undefined;
      const value = string();
      if (value === undefined) return undefined;
      strings[key] = value;
    } else {
      // Keys a record ignores: skipped when their value is a string or a number.
      if (awkwardKey(key)) return undefined;
      if ((peek() === QUOTE ? string() : number()) === undefined) return undefined;
    }
  } while (next());
  // After the object, only spaces (peek is NaN at the end).
  if (!closed || !Number.isNaN(peek())) return undefined;
  const queryKey = strings.query_key;
  if (
    queryKey === undefined ||
    labelNames === undefined ||
    labelValues === undefined ||
    timestampText === undefined ||
    variables === undefined ||
    literals === undefined ||
    variables.length === 0
  )
    return undefined;
  const timestamp = timestampOf(timestampText);
  if (timestamp === undefined) return undefined;
  return {
    line,
    query_key: queryKey,
    model_alias: strings.model_alias,
    scheduler_alias: strings.scheduler_alias,
    preset: strings.preset,
    labelNames,
    labelValues,
    timestamp,
    timestampText,
    variables,
    literals,
  };
}

/** An integer of at most 16 digits, no fraction or exponent, and not 0 (the template paths' rule). */
function timestampOf(text: string): number | undefined {
  if (text.length > 16 || text.charCodeAt(0) === 48 || !DIGITS.test(text)) return undefined;
  const timestamp = Number(text);
  return Number.isSafeInteger(timestamp) ? timestamp : undefined;
}
