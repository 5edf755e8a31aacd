import { describe, expect, it } from "vitest";
import { parseRecordsText, readJsonLines } from "./read-json-lines.ts";

async function collect(chunks: (string | Uint8Array)[], options = {}) {
  async function* source() {
    yield* chunks;
  }
  const out = [];
  for await (const entry of readJsonLines(source(), options)) out.push({ position: entry.position, value: entry.value, parseError: entry.parseError });
  return out;
}

describe("readJsonLines", () => {
  it("numbers lines as the file has them, skipping blank ones", async () => {
    const out = await collect(['{"a":1}\n\n{"a":', '2}\r\n', "  \n", '{"a":3}']);
    expect(out.map((e) => [e.position, e.value])).toEqual([["line 1", { a: 1 }], ["line 3", { a: 2 }], ["line 5", { a: 3 }]]);
  });

  it("reports a line that is not JSON and keeps going", async () => {
    const out = await collect(['{"a":1}\n{"a":\n{"a":3}\n']);
    expect(out[1]?.position).toBe("line 2");
    expect(out[1]?.parseError).toMatch(/^not valid JSON/);
    expect(out[2]?.value).toEqual({ a: 3 });
  });

  it("decodes multi-byte characters split across chunks", async () => {
    const bytes = Buffer.from('{"emoji":"🚀é"}\n');
    const out = await collect([bytes.subarray(0, 11), bytes.subarray(11, 13), bytes.subarray(13)]);
    expect(out[0]?.value).toEqual({ emoji: "🚀é" });
  });

  it("skips an over-long line with a reason and reads the next", async () => {
    const out = await collect([`{"x":"${"a".repeat(100)}`, `${"b".repeat(100)}"}\n{"ok":true}\n`], { maxLineBytes: 50, label: "in.jsonl line" });
    expect(out[0]).toMatchObject({ position: "in.jsonl line 1", parseError: "line is longer than 50 bytes" });
    expect(out[1]).toMatchObject({ position: "in.jsonl line 2", value: { ok: true } });
  });
});

describe("parseRecordsText", () => {
  it("takes one record, an array, or JSON lines", () => {
    expect(parseRecordsText('{"a":1}').map((e) => [e.position, e.value])).toEqual([["record 1", { a: 1 }]]);
    expect(parseRecordsText('[{"a":1},{"a":2}]').map((e) => e.position)).toEqual(["record 1", "record 2"]);
    const lines = parseRecordsText('{"a":1}\nnope\n{"a":3}\n');
    expect(lines.map((e) => e.position)).toEqual(["line 1", "line 2", "line 3"]);
    expect(lines[1]?.parseError).toMatch(/not valid JSON/);
  });
});
