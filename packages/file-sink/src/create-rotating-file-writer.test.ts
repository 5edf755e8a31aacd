import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createRotatingFileWriter } from "./create-rotating-file-writer.ts";
import { FileSinkError } from "./errors.ts";

let dir: string;
let path: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "anomaly-writer-file-sink-"));
  path = join(dir, "out", "series.jsonl");
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const read = (file: string) => readFileSync(file, "utf8");
const line = (i: number, pad = 0) =>
  `{"metric":{"__name__":"m","i":"${i}"},"values":[${i}],"timestamps":[1732406400000]}${" ".repeat(pad)}\n`;
/** The rotated files oldest first, then the current one. */
const files = () => {
  const rotated = readdirSync(join(dir, "out"))
    .filter((name) => /^series\.jsonl\.\d+$/.test(name))
    .map((name) => Number(name.split(".").pop()))
    .sort((a, b) => b - a)
    .map((n) => `${path}.${n}`);
  return existsSync(path) ? [...rotated, path] : rotated;
};

describe("createRotatingFileWriter", () => {
  it("appends lines to one file while they fit, creating its directory", async () => {
    const writer = createRotatingFileWriter({ path, maxBytes: 10_000, maxFiles: 3 });
    await writer.write(line(1));
    await writer.write(line(2) + line(3));
    await writer.close();
    expect(files()).toEqual([path]);
    expect(read(path)).toBe(line(1) + line(2) + line(3));
  });

  it("rotates to path.1, path.2... before a write would exceed maxBytes", async () => {
    const size = Buffer.byteLength(line(1));
    const writer = createRotatingFileWriter({ path, maxBytes: size * 2, maxFiles: 5 });
    for (let i = 1; i <= 5; i++) await writer.write(line(i));
    await writer.close();
    expect(files()).toEqual([`${path}.2`, `${path}.1`, path]);
    expect(read(`${path}.2`)).toBe(line(1) + line(2));
    expect(read(`${path}.1`)).toBe(line(3) + line(4));
    expect(read(path)).toBe(line(5));
  });

  it("keeps maxFiles rotated files and deletes older ones", async () => {
    const writer = createRotatingFileWriter({ path, maxBytes: Buffer.byteLength(line(1)), maxFiles: 2 });
    for (let i = 1; i <= 6; i++) await writer.write(line(i));
    await writer.close();
    expect(files()).toEqual([`${path}.2`, `${path}.1`, path]);
    expect([read(`${path}.2`), read(`${path}.1`), read(path)]).toEqual([line(4), line(5), line(6)]);
  });

  it("with maxFiles 0 keeps only the current file", async () => {
    const writer = createRotatingFileWriter({ path, maxBytes: Buffer.byteLength(line(1)), maxFiles: 0 });
    for (let i = 1; i <= 3; i++) await writer.write(line(i));
    await writer.close();
    expect(files()).toEqual([path]);
    expect(read(path)).toBe(line(3));
  });

  it("splits a chunk larger than maxBytes between lines, and gives a longer line a file of its own", async () => {
    const size = Buffer.byteLength(line(1));
    const writer = createRotatingFileWriter({ path, maxBytes: size * 2, maxFiles: 10 });
    await writer.write(line(1));
    await writer.write(line(2) + line(3, size * 3) + line(4) + line(5) + line(6));
    await writer.close();
    expect(files().map(read)).toEqual([line(1) + line(2), line(3, size * 3), line(4) + line(5), line(6)]);
  });

  it("writes concurrent calls in call order", async () => {
    const writer = createRotatingFileWriter({ path, maxBytes: 1000, maxFiles: 100 });
    await Promise.all(Array.from({ length: 50 }, (_, i) => writer.write(line(i))));
    await writer.close();
    expect(files().map(read).join("")).toBe(Array.from({ length: 50 }, (_, i) => line(i)).join(""));
  });

  it("appends to an existing file, closing a torn last line first", async () => {
    const torn = '{"metric":{"__name__":"m"},"val';
    mkdirSync(join(dir, "out"));
    writeFileSync(path, line(1) + torn);
    const writer = createRotatingFileWriter({ path, maxBytes: 10_000, maxFiles: 1 });
    await writer.write(line(2));
    await writer.close();
    expect(read(path)).toBe(`${line(1)}${torn}\n${line(2)}`);
  });

  it("rotates an existing file that is already full", async () => {
    mkdirSync(join(dir, "out"));
    writeFileSync(path, line(1));
    const writer = createRotatingFileWriter({ path, maxBytes: Buffer.byteLength(line(1)) + 5, maxFiles: 1 });
    await writer.write(line(2));
    await writer.close();
    expect(files().map(read)).toEqual([line(1), line(2)]);
  });

  it("works with fsync on", async () => {
    const writer = createRotatingFileWriter({ path, maxBytes: Buffer.byteLength(line(1)), maxFiles: 1, fsync: true });
    await writer.write(line(1));
    await writer.write(line(2));
    await writer.close();
    expect(files().map(read)).toEqual([line(1), line(2)]);
  });

  it("never splits a line and loses nothing, for random lines and chunks", async () => {
    let seed = 7;
    const random = (n: number) => {
      seed = (seed * 16807) % 2147483647;
      return seed % n;
    };
    for (let round = 0; round < 20; round++) {
      const roundPath = join(dir, `round-${round}`, "r.jsonl");
      const maxBytes = 40 + random(400);
      const writer = createRotatingFileWriter({ path: roundPath, maxBytes, maxFiles: 10_000 });
      const lines = Array.from({ length: 1 + random(60) }, (_, i) => `${i}:${"é😀x".repeat(random(60))}\n`);
      let written = "";
      for (let at = 0; at < lines.length; ) {
        const take = 1 + random(6);
        const chunk = lines.slice(at, at + take).join("");
        await writer.write(chunk);
        written += chunk;
        at += take;
      }
      await writer.close();
      const names = readdirSync(join(dir, `round-${round}`)).sort(
        (a, b) => Number(b.split(".")[2] ?? 0) - Number(a.split(".")[2] ?? 0),
      );
      const contents = names.map((name) => read(join(dir, `round-${round}`, name)));
      expect(contents.join("")).toBe(written);
      for (const content of contents) {
        expect(content.endsWith("\n")).toBe(true);
        const inFile = content.split("\n").slice(0, -1);
        for (const l of inFile) expect(lines).toContain(`${l}\n`);
        if (inFile.length > 1) expect(Buffer.byteLength(content)).toBeLessThanOrEqual(maxBytes);
      }
    }
  });
});

describe("createRotatingFileWriter with bad input and failures", () => {
  it("lists every bad option", () => {
    let thrown: unknown;
    try {
      createRotatingFileWriter({ path: "", maxBytes: 0, maxFiles: -1 });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(FileSinkError);
    expect(thrown).toMatchObject({
      code: "OPTIONS_INVALID",
      problems: [
        "path must be a non-empty string",
        "maxBytes must be a positive integer, got 0",
        "maxFiles must be an integer >= 0, got -1",
      ],
    });
    expect((thrown as Error).message).toMatch(/^\[file-sink\] invalid options: /);
  });

  it("writes bytes as they are, a view into a larger buffer included, and rotates them between lines", async () => {
    const writer = createRotatingFileWriter({ path, maxBytes: 2 * Buffer.byteLength(line(1)), maxFiles: 3 });
    const text = `${line(1) + line(2)}{"metric":{"__name__":"é"},"values":[3],"timestamps":[1]}\n`;
    const big = Buffer.alloc(Buffer.byteLength(text) + 20, "x");
    big.write(text, 10, "utf8");
    await writer.write(big.subarray(10, 10 + Buffer.byteLength(text)));
    await writer.close();
    expect(files().map(read).join("")).toBe(text);
    expect(files()).toHaveLength(2);
  });

  it("refuses a chunk that is not complete lines, and writes after close", async () => {
    const writer = createRotatingFileWriter({ path, maxBytes: 100, maxFiles: 1 });
    await expect(writer.write("no newline")).rejects.toMatchObject({ code: "CHUNK_INVALID" });
    await expect(writer.write(42 as unknown as string)).rejects.toMatchObject({
      code: "CHUNK_INVALID",
      message: "[file-sink] a chunk must be a string or bytes, got number",
    });
    await expect(writer.write(Buffer.from("no newline"))).rejects.toMatchObject({ code: "CHUNK_INVALID" });
    await writer.write(new Uint8Array(0));
    await writer.write("");
    expect(existsSync(path)).toBe(false); // nothing opened yet
    await writer.close();
    await expect(writer.write(line(1))).rejects.toMatchObject({ code: "FILE_SINK_CLOSED" });
    await writer.close();
  });

  it("reports a file it cannot open, and goes on with later writes", async () => {
    writeFileSync(join(dir, "a-file"), "");
    const writer = createRotatingFileWriter({ path: join(dir, "a-file", "x.jsonl"), maxBytes: 100, maxFiles: 1 });
    const first = writer.write(line(1));
    const second = writer.write(line(2));
    await expect(first).rejects.toMatchObject({
      code: "FILE_WRITE_FAILED",
      path: join(dir, "a-file", "x.jsonl"),
      message: expect.stringMatching(/^\[file-sink\] cannot open .*x\.jsonl: .*(ENOTDIR|EEXIST)/),
    });
    await expect(second).rejects.toMatchObject({ code: "FILE_WRITE_FAILED" });
    await writer.close();
  });

  it("reports a full disk (/dev/full)", async () => {
    const writer = createRotatingFileWriter({ path: "/dev/full", maxBytes: 1_000_000, maxFiles: 1 });
    await expect(writer.write(line(1))).rejects.toMatchObject({
      code: "FILE_WRITE_FAILED",
      message: expect.stringMatching(/cannot write \/dev\/full: .*ENOSPC/),
    });
    await writer.close();
  });
});
