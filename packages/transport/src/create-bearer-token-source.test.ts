import { mkdtemp, rename, rm, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createBearerTokenSource } from "./create-bearer-token-source.ts";
import { TransportError } from "./errors.ts";

describe("createBearerTokenSource", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "transport-token-source-"));
  });
  afterAll(async () => rm(dir, { recursive: true, force: true }));

  it("trims the trailing newline and follows rewrites and renames", async () => {
    const file = join(dir, "rotating");
    await writeFile(file, "first-token\n");
    const source = createBearerTokenSource(file);
    expect(await source.token()).toBe("first-token");
    expect(await source.token()).toBe("first-token");

    await writeFile(file, "second-token-longer\r\n");
    expect(await source.token()).toBe("second-token-longer");

    // Kubernetes-style rotation: a new file renamed over the old one.
    await writeFile(join(dir, "next"), "third\n");
    await rename(join(dir, "next"), file);
    expect(await source.token()).toBe("third");
    expect([...source.seen]).toEqual(["first-token", "second-token-longer", "third"]);
  });

  it("notices a same-size rewrite", async () => {
    const file = join(dir, "same-size");
    await writeFile(file, "aaaa");
    // The first version is an hour old, so that the rewrite's mtime differs whatever the file system's clock granularity.
    const hourAgo = new Date(Date.now() - 3_600_000);
    await utimes(file, hourAgo, hourAgo);
    const source = createBearerTokenSource(file);
    expect(await source.token()).toBe("aaaa");
    await writeFile(file, "bbbb");
    expect(await source.token()).toBe("bbbb");
  });

  it("fails with a retryable io_error for a missing or empty file, without its content", async () => {
    const missing = createBearerTokenSource(join(dir, "missing"));
    const error = await missing.token().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransportError);
    expect(error).toMatchObject({ code: "TRANSPORT_IO", outcome: "io_error", retryable: true });
    expect(String(error)).toContain("ENOENT");

    const file = join(dir, "empty");
    await writeFile(file, "\n");
    await expect(createBearerTokenSource(file).token()).rejects.toThrow(/is empty/);
  });
});
