import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseRecordsText, readJsonLines } from "./read-json-lines.ts";

async function collect(chunks: (string | Uint8Array)[], options = {}) {
  async function* source() {
    yield* chunks;
  }
  const out = [];
  for await (const entry of readJsonLines(source(), options))
    out.push({ position: entry.position, value: entry.value, parseError: entry.parseError });
  return out;
}

describe("readJsonLines", () => {
  it("numbers lines as the file has them, skipping blank ones", async () => {
    const out = await collect(['{"a":1}\n\n{"a":', "2}\r\n", "  \n", '{"a":3}']);
    expect(out.map((e) => [e.position, e.value])).toEqual([
      ["line 1", { a: 1 }],
      ["line 3", { a: 2 }],
      ["line 5", { a: 3 }],
    ]);
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
    const out = await collect([`{"x":"${"a".repeat(100)}`, `${"b".repeat(100)}"}\n{"ok":true}\n`], {
      maxLineBytes: 50,
      label: "in.jsonl line",
    });
    expect(out[0]).toMatchObject({ position: "in.jsonl line 1", parseError: "line is longer than 50 bytes" });
    expect(out[1]).toMatchObject({ position: "in.jsonl line 2", value: { ok: true } });
  });

  it("skips a UTF-8 byte-order mark at the start, also when it arrives split across chunks", async () => {
    const bytes = Buffer.from('\ufeff{"a":1}\n{"a":2}\n');
    expect((await collect([bytes])).map((e) => e.value)).toEqual([{ a: 1 }, { a: 2 }]);
    expect(
      (await collect([bytes.subarray(0, 1), bytes.subarray(1, 2), bytes.subarray(2)])).map((e) => e.value),
    ).toEqual([{ a: 1 }, { a: 2 }]);
    // Only at the start: a BOM inside is a character like any other.
    expect((await collect(['{"a":1}\n\ufeff{"a":2}\n']))[1]?.parseError).toMatch(/not valid JSON/);
  });
});

describe("readJsonLines, however the input is cut into chunks", () => {
  const line = fc.oneof(
    fc.json().map((json) => json.replace(/\n/g, " ")),
    fc.constantFrom("", "  ", "{not json", '{"a":"é🚀"}', `{"long":"${"x".repeat(3000)}"}`),
  );
  it("reads the same entries as from one chunk: a line across many chunks, CRLF, blank lines (property)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(line, { maxLength: 12 }),
        fc.constantFrom("\n", "\r\n"),
        fc.array(fc.nat(), { maxLength: 20 }),
        async (lines, end, cuts) => {
          const bytes = Buffer.from(lines.join(end));
          const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
          const chunks = [0, ...points].map((from, i) => bytes.subarray(from, points[i] ?? bytes.length));
          expect(await collect(chunks)).toEqual(await collect([bytes]));
        },
      ),
      { numRuns: 300 },
    );
  });

  it("reads a 300 KB line that arrives in 64 KiB chunks, and the line after it", async () => {
    const big = JSON.stringify({ values: Array.from({ length: 30_000 }, (_, i) => i / 7) });
    const bytes = Buffer.from(`${big}\n{"next":1}\n`);
    const chunks = [];
    for (let i = 0; i < bytes.length; i += 65_536) chunks.push(bytes.subarray(i, i + 65_536));
    const out = await collect(chunks);
    expect(out.map((e) => e.position)).toEqual(["line 1", "line 2"]);
    expect(out[0]?.value).toEqual(JSON.parse(big));
    expect(out[1]?.value).toEqual({ next: 1 });
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

  it("skips a UTF-8 byte-order mark before JSON lines as before one document", () => {
    expect(parseRecordsText('\ufeff{"a":1}\n{"a":2}\n').map((e) => [e.position, e.value])).toEqual([
      ["line 1", { a: 1 }],
      ["line 2", { a: 2 }],
    ]);
    expect(parseRecordsText('\ufeff[{"a":1}]').map((e) => e.value)).toEqual([{ a: 1 }]);
  });
});
