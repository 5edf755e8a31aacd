import {
  type Document,
  isAlias,
  isCollection,
  isMap,
  isPair,
  isScalar,
  isSeq,
  type Node,
  parseDocument,
  type YAMLMap,
} from "yaml";

export type KeyPath = readonly (string | number)[];

/** Where a key path points in the (expanded) text. */
export interface Location {
  /** Offset to report: the value node, or the key for a missing or empty value, or the nearest parent key. */
  readonly offset: number;
  /** `[start, end)` of the value node when it exists. */
  readonly valueRange?: readonly [number, number];
  /** True when the full path exists in the document. */
  readonly exact: boolean;
  /** When the path does not exist: its longest prefix that does (`offset` is that mapping's key). */
  readonly found?: KeyPath;
}

/** A YAML syntax error or warning at an offset of the parsed text. */
export interface YamlProblem {
  readonly message: string;
  readonly offset: number;
}

/** The parsed YAML document as plain data plus a way to find any key path in the text. */
export interface ParsedYaml {
  readonly value: unknown;
  readonly errors: readonly YamlProblem[];
  readonly warnings: readonly YamlProblem[];
  /** Finds where `path` is; `preferKey` points at the key instead of its value. */
  locate(path: KeyPath, preferKey?: boolean): Location;
  /** The key path of the innermost value or key that contains `offset`. */
  pathAt(offset: number): KeyPath;
}

/** Parses YAML 1.2 (core schema) and keeps the node tree for error positions. */
export function parseYaml(text: string): ParsedYaml {
  const doc = parseDocument(text, { prettyErrors: false, uniqueKeys: true, version: "1.2", merge: true });
  const problems = (list: typeof doc.errors): YamlProblem[] =>
    list.map((e) => ({ message: e.message, offset: e.pos[0] }));
  const errors = problems(doc.errors);
  return {
    value: errors.length === 0 ? toPlain(doc, doc.contents) : undefined,
    errors,
    warnings: problems(doc.warnings),
    locate: (path, preferKey = false) => locate(doc, path, preferKey),
    pathAt: (offset) => pathAt(doc.contents, offset, []),
  };
}

/** Plain data from the node tree: maps become null-prototype objects; aliases resolve; cycles become null. */
function toPlain(doc: Document, root: unknown): unknown {
  const done = new Map<unknown, unknown>();
  const busy = new Set<unknown>();
  const convert = (node: unknown): unknown => {
    if (isAlias(node)) return convert(node.resolve(doc));
    if (isScalar(node)) return node.value;
    if (!isCollection(node)) return node ?? null;
    if (done.has(node)) return done.get(node);
    if (busy.has(node)) return null;
    busy.add(node);
    let result: unknown;
    if (isMap(node)) {
      const object: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
      for (const entry of mapEntries(doc, node)) object[entry.key] = convert(entry.value);
      result = object;
    } else {
      result = node.items.map((item) => convert(isPair(item) ? item.value : item));
    }
    busy.delete(node);
    done.set(node, result);
    return result;
  };
  return convert(root);
}

interface MapEntry {
  readonly key: string;
  readonly keyNode: unknown;
  readonly value: unknown;
}

/** A merge key `<<` (enabled with `merge: true`, as PyYAML and YAML 1.1 have them). */
function isMergeKey(key: unknown): boolean {
  return isScalar(key) && (typeof key.value === "symbol" || (key.value === "<<" && key.type === "PLAIN"));
}

/** The entries of a map with `<<: *anchor` merges applied (own keys win, then merged maps in order). */
function mapEntries(doc: Document, map: YAMLMap, seen = new Set<unknown>()): MapEntry[] {
  seen.add(map);
  const own: MapEntry[] = [];
  const merged: MapEntry[] = [];
  for (const pair of map.items) {
    if (!isMergeKey(pair.key)) {
      own.push({ key: keyText(pair.key), keyNode: pair.key, value: pair.value });
      continue;
    }
    const sources = isSeq(pair.value) ? pair.value.items : [pair.value];
    for (const source of sources) {
      const target = isAlias(source) ? source.resolve(doc) : source;
      if (isMap(target) && !seen.has(target)) merged.push(...mapEntries(doc, target, seen));
    }
  }
  const keys = new Set(own.map((entry) => entry.key));
  for (const entry of merged) {
    if (keys.has(entry.key)) continue;
    keys.add(entry.key);
    own.push(entry);
  }
  return own;
}

function keyText(key: unknown): string {
  if (isScalar(key)) return String(key.value);
  if (key === null || key === undefined) return "null";
  return String(key);
}

function rangeOf(node: unknown): readonly [number, number] | undefined {
  if (node !== null && typeof node === "object" && "range" in node) {
    const range = (node as Node).range;
    if (range) return [range[0], range[1]];
  }
  return undefined;
}

/** An empty value (`key:` with nothing after it) has no useful position of its own. */
function isEmptyValue(node: unknown): boolean {
  return node === null || node === undefined || (isScalar(node) && node.value === null && node.source === "");
}

/** A block collection starts on the line after its key; the key is the better place to point at. */
function isBlockCollection(node: unknown): boolean {
  return isCollection(node) && !node.flow;
}

function locate(doc: Document, path: KeyPath, preferKey: boolean): Location {
  let node: unknown = doc.contents;
  let keyOffset: number | undefined;
  let bestOffset = rangeOf(node)?.[0] ?? 0;
  for (let i = 0; i < path.length; i++) {
    const segment = path[i];
    const current = isAlias(node) ? node.resolve(doc) : node;
    let nextKey: unknown;
    let nextValue: unknown;
    let found = false;
    if (isMap(current)) {
      const entry = mapEntries(doc, current).find((e) => e.key === String(segment));
      if (entry) {
        found = true;
        nextKey = entry.keyNode;
        nextValue = entry.value;
      }
    } else if (isSeq(current) && typeof segment === "number") {
      if (segment >= 0 && segment < current.items.length) {
        found = true;
        nextValue = current.items[segment];
      }
    }
    if (!found) return { offset: keyOffset ?? bestOffset, exact: false, found: path.slice(0, i) };
    // A list item has no key: its own start stands for it.
    keyOffset = (isSeq(current) ? rangeOf(nextValue)?.[0] : rangeOf(nextKey)?.[0]) ?? keyOffset;
    const valueOffset = rangeOf(nextValue)?.[0];
    bestOffset = keyOffset ?? valueOffset ?? bestOffset;
    node = nextValue;
  }
  const valueRange = isEmptyValue(node) ? undefined : rangeOf(node);
  const pointAtKey = preferKey || valueRange === undefined || isBlockCollection(node);
  const offset = pointAtKey ? (keyOffset ?? valueRange?.[0] ?? bestOffset) : valueRange[0];
  return valueRange === undefined ? { offset, exact: true } : { offset, valueRange, exact: true };
}

function pathAt(node: unknown, offset: number, prefix: (string | number)[]): KeyPath {
  const current = node;
  if (isMap(current)) {
    for (const pair of current.items) {
      const key = keyText(pair.key);
      const keyRange = rangeOf(pair.key);
      if (keyRange && offset >= keyRange[0] && offset < keyRange[1]) return [...prefix, key];
      const valueRange = rangeOf(pair.value);
      if (valueRange && offset >= valueRange[0] && offset < Math.max(valueRange[1], valueRange[0] + 1)) {
        return pathAt(pair.value, offset, [...prefix, key]);
      }
    }
  } else if (isSeq(current)) {
    for (let i = 0; i < current.items.length; i++) {
      const range = rangeOf(current.items[i]);
      if (range && offset >= range[0] && offset < range[1]) return pathAt(current.items[i], offset, [...prefix, i]);
    }
  }
  return prefix;
}
