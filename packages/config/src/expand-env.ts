import { CST, Lexer } from "yaml";

/** One `%{NAME}` placeholder in the text as written. */
export interface Placeholder {
  readonly name: string;
  /** Offsets in the original text: `[start, end)` covers `%{NAME}`. */
  readonly start: number;
  readonly end: number;
  /** Offsets of what replaced it in the expanded text. */
  readonly expandedStart: number;
  readonly expandedEnd: number;
  /** The environment value, or undefined when the variable is not set (then the name stands in). */
  readonly value: string | undefined;
}

/** The text after `%{ENV}` expansion, with the way back to positions in the original. */
export interface ExpandedText {
  readonly text: string;
  /** Expanded placeholders in text order (those inside YAML comments are left alone and not listed). */
  readonly placeholders: readonly Placeholder[];
  /** Maps an offset in the expanded text to the offset in the text as written. */
  toOriginalOffset(expandedOffset: number): number;
}

// VictoriaMetrics' envtemplate accepts names of [a-zA-Z0-9_]; anything else stays literal.
const PLACEHOLDER = /%\{([A-Za-z0-9_]+)\}/g;

/**
 * Expands `%{NAME}` placeholders from `env` in the raw text, before YAML parsing (real configs
 * use them unquoted). Placeholders inside YAML comments are not expanded. An unset variable is
 * replaced by its bare name so parsing can go on; the caller reports it.
 */
export function expandEnv(text: string, env: Readonly<Record<string, string | undefined>>): ExpandedText {
  const found = [...text.matchAll(PLACEHOLDER)];
  if (found.length === 0) return { text, placeholders: [], toOriginalOffset: (offset) => offset };

  const comments = commentRanges(text.replace(PLACEHOLDER, (whole) => "x".repeat(whole.length)));
  const placeholders: Placeholder[] = [];
  let out = "";
  let last = 0;
  for (const match of found) {
    const start = match.index;
    const whole = match[0];
    const name = match[1] ?? "";
    const end = start + whole.length;
    if (comments.some(([from, to]) => start >= from && end <= to)) continue;
    const value = Object.hasOwn(env, name) ? env[name] : undefined;
    out += text.slice(last, start);
    const expandedStart = out.length;
    out += value ?? name;
    placeholders.push({ name, start, end, expandedStart, expandedEnd: out.length, value });
    last = end;
  }
  out += text.slice(last);

  return {
    text: out,
    placeholders,
    toOriginalOffset(offset) {
      let delta = 0;
      for (const p of placeholders) {
        if (offset < p.expandedStart) break;
        if (offset < p.expandedEnd) return p.start;
        delta = p.end - p.expandedEnd;
      }
      return offset + delta;
    },
  };
}

/** `[start, end)` of every YAML comment, from the lexer (the text need not be valid YAML). */
function commentRanges(text: string): Array<[number, number]> {
  const ranges: Array<[number, number]> = [];
  let offset = 0;
  for (const token of new Lexer().lex(text)) {
    const type = CST.tokenType(token);
    // Lexer markers (document start, scalar start, flow error end) are not source characters.
    if (type === "doc-mode" || type === "flow-error-end" || (type === "scalar" && token === CST.SCALAR)) continue;
    if (type === "comment") ranges.push([offset, offset + token.length]);
    offset += token.length;
  }
  return ranges;
}
