/** One sample of a Prometheus text line: its labels (`__name__` included), value and timestamp. */
export interface TextSample {
  readonly labels: Record<string, string>;
  readonly value: number;
  readonly timestamp: number;
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const LABEL = /^([a-zA-Z_][a-zA-Z0-9_]*)="/;
const TAIL = /^ (\S+) (\d+)$/;
const UNESCAPE: Readonly<Record<string, string>> = { n: "\n", "\\": "\\", '"': '"' };

/**
 * A strict reader of the Prometheus text lines the encoder writes (`name{k="v",...} value ts`,
 * only `\\`, `\"` and `\n` escapes), written apart from the encoder for tests. Throws on
 * anything else, so that a test sees a malformed line.
 */
export function parsePrometheusText(text: string): TextSample[] {
  const samples: TextSample[] = [];
  if (text !== "" && !text.endsWith("\n")) throw new Error("the text does not end with a line feed");
  for (const line of text.split("\n").slice(0, -1)) {
    const name = NAME.exec(line)?.[0];
    if (name === undefined) throw new Error(`no metric name: ${JSON.stringify(line)}`);
    const labels: Record<string, string> = {};
    const set = (key: string, value: string) => {
      if (Object.hasOwn(labels, key)) throw new Error(`label ${key} twice: ${JSON.stringify(line)}`);
      Object.defineProperty(labels, key, { value, enumerable: true, writable: true, configurable: true });
    };
    set("__name__", name);
    let i = name.length;
    if (line[i] === "{") {
      i++;
      for (;;) {
        const match = LABEL.exec(line.slice(i));
        if (!match) throw new Error(`bad label at ${i}: ${JSON.stringify(line)}`);
        i += match[0].length;
        let value = "";
        for (;;) {
          const c = line[i++];
          if (c === undefined) throw new Error(`unterminated value: ${JSON.stringify(line)}`);
          if (c === '"') break;
          if (c !== "\\") value += c;
          else {
            const escaped = UNESCAPE[line[i++] ?? ""];
            if (escaped === undefined) throw new Error(`bad escape at ${i - 1}: ${JSON.stringify(line)}`);
            value += escaped;
          }
        }
        set(match[1] as string, value);
        if (line[i] === ",") i++;
        else if (line[i] === "}") break;
        else throw new Error(`expected , or } at ${i}: ${JSON.stringify(line)}`);
      }
      i++;
    }
    const tail = TAIL.exec(line.slice(i));
    if (!tail) throw new Error(`bad value or timestamp: ${JSON.stringify(line)}`);
    samples.push({ labels, value: Number(tail[1]), timestamp: Number(tail[2]) });
  }
  return samples;
}

/** The samples of JSON lines (`{"metric":...,"values":[...],"timestamps":[...]}`), for comparing. */
export function parseJsonLines(text: string): TextSample[] {
  const samples: TextSample[] = [];
  for (const line of text.split("\n")) {
    if (line === "") continue;
    const parsed = JSON.parse(line) as { metric: Record<string, string>; values: number[]; timestamps: number[] };
    parsed.values.forEach((value, i) =>
      samples.push({ labels: parsed.metric, value, timestamp: parsed.timestamps[i] as number }),
    );
  }
  return samples;
}
