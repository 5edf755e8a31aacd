/** Where `needle` is in `text` (1-based line and column of its first character), as the parser reports it. */
export interface TextPosition {
  readonly line: number;
  readonly column: number;
  /** `"line:column"`, as it appears in messages. */
  readonly at: string;
}

/** The position of the `occurrence`-th (1-based) `needle` in `text`; throws when it is not there. */
export function positionOf(text: string, needle: string, occurrence = 1): TextPosition {
  let index = -1;
  for (let n = 0; n < occurrence; n++) {
    index = text.indexOf(needle, index + 1);
    if (index === -1) throw new Error(`positionOf: ${JSON.stringify(needle)} #${occurrence} not found`);
  }
  const before = text.slice(0, index);
  const line = before.split("\n").length;
  const column = index - before.lastIndexOf("\n");
  return { line, column, at: `${line}:${column}` };
}
