/** One sample line of Prometheus text exposition format. */
export interface ExpositionSample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

/** A parsed exposition: samples in order, `# TYPE` and `# HELP` by metric family. */
export interface Exposition {
  readonly samples: readonly ExpositionSample[];
  readonly types: ReadonlyMap<string, string>;
  readonly help: ReadonlyMap<string, string>;
  /** Samples named `name` whose labels include all of `labels`. */
  find(name: string, labels?: Readonly<Record<string, string>>): ExpositionSample[];
  /** The value of the one sample named `name` with exactly these labels; throws when there is none. */
  value(name: string, labels?: Readonly<Record<string, string>>): number;
}

/** Parse Prometheus text exposition format (0.0.4) strictly enough for tests; throws on a malformed line. */
export function parseExposition(text: string): Exposition {
  const samples: ExpositionSample[] = [];
  const types = new Map<string, string>();
  const help = new Map<string, string>();
  for (const [index, raw] of text.split("\n").entries()) {
    const line = raw.trim();
    if (line === "") continue;
    if (line.startsWith("#")) {
      const meta = /^#\s+(TYPE|HELP)\s+([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(.*)$/.exec(line);
      if (meta?.[1] === "TYPE") types.set(meta[2] ?? "", meta[3] ?? "");
      else if (meta?.[1] === "HELP") help.set(meta[2] ?? "", meta[3] ?? "");
      continue;
    }
    samples.push(parseSample(line, index + 1));
  }
  const matches = (sample: ExpositionSample, labels: Readonly<Record<string, string>>) =>
    Object.entries(labels).every(([name, value]) => sample.labels[name] === value);
  return {
    samples,
    types,
    help,
    find: (name, labels = {}) => samples.filter((sample) => sample.name === name && matches(sample, labels)),
    value(name, labels = {}) {
      const exact = samples.filter(
        (sample) =>
          sample.name === name &&
          matches(sample, labels) &&
          Object.keys(sample.labels).length === Object.keys(labels).length,
      );
      if (exact.length !== 1)
        throw new Error(`expected one sample ${name}${JSON.stringify(labels)}, found ${exact.length}`);
      return (exact[0] as ExpositionSample).value;
    },
  };
}

function parseSample(line: string, lineNumber: number): ExpositionSample {
  const fail = (why: string): never => {
    throw new Error(`exposition line ${lineNumber}: ${why}: ${line}`);
  };
  const nameMatch = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(line) ?? fail("no metric name");
  const name = nameMatch[0];
  let rest = line.slice(name.length);
  const labels: Record<string, string> = {};
  if (rest.startsWith("{")) {
    let i = 1;
    for (;;) {
      while (rest[i] === " " || rest[i] === ",") i++;
      if (rest[i] === "}") {
        i++;
        break;
      }
      const labelName = /^[a-zA-Z_][a-zA-Z0-9_]*/.exec(rest.slice(i))?.[0] ?? fail("bad label name");
      i += labelName.length;
      if (rest[i] !== "=" || rest[i + 1] !== '"') fail(`label ${labelName} has no ="value"`);
      i += 2;
      let value = "";
      for (;;) {
        const char = rest[i] ?? fail("unterminated label value");
        i++;
        if (char === '"') break;
        if (char === "\\") {
          const escaped = rest[i] ?? fail("dangling escape");
          i++;
          value += escaped === "n" ? "\n" : escaped;
        } else {
          value += char;
        }
      }
      if (labelName in labels) fail(`duplicate label ${labelName}`);
      labels[labelName] = value;
    }
    rest = rest.slice(i);
  }
  const parts = rest.trim().split(/\s+/);
  if (parts.length < 1 || parts.length > 2 || parts[0] === "") fail("expected a value and an optional timestamp");
  const valueText = parts[0] as string;
  const value = valueText === "+Inf" ? Infinity : valueText === "-Inf" ? -Infinity : Number(valueText);
  if (Number.isNaN(value) && valueText !== "NaN") fail(`bad value ${valueText}`);
  return { name, labels, value };
}
