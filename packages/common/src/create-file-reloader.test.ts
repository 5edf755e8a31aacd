import { mkdtemp, rename, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createFileReloader } from "./create-file-reloader.ts";

describe("createFileReloader", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "common-file-reloader-"));
  });
  afterAll(async () => rm(dir, { recursive: true, force: true }));

  it("gives the same snapshot while the file is unchanged, and follows rewrites and renames", async () => {
    const file = join(dir, "token");
    await writeFile(file, "first\n");
    const reloader = createFileReloader(file);
    const first = await reloader.read();
    expect(first.text).toBe("first\n");
    expect(await reloader.read()).toBe(first);

    await writeFile(file, "second, longer\n");
    expect((await reloader.read()).text).toBe("second, longer\n");

    await writeFile(join(dir, "next"), "third\n");
    await rename(join(dir, "next"), file);
    expect((await reloader.read()).text).toBe("third\n");
  });

  it("reads a file written just now again at every call, keeping the snapshot while its text is the same", async () => {
    const file = join(dir, "racy");
    await writeFile(file, "aaaa");
    // A clock 10 s behind: every stat looks "racy" (modified within 2 s), so the content is read each time.
    const reloader = createFileReloader(file, { now: () => Date.now() - 10_000 });
    const first = await reloader.read();
    expect(await reloader.read()).toBe(first);
    await writeFile(file, "bbbb");
    expect((await reloader.read()).text).toBe("bbbb");
  });

  it("shares one read between concurrent calls, and rejects with the file system error", async () => {
    const file = join(dir, "shared");
    await writeFile(file, "x");
    const reloader = createFileReloader(file);
    const [a, b] = await Promise.all([reloader.read(), reloader.read()]);
    expect(a).toBe(b);
    await expect(createFileReloader(join(dir, "missing")).read()).rejects.toMatchObject({ code: "ENOENT" });
  });
});
