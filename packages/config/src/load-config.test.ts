import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConfigError } from "./errors.ts";
import { loadConfig } from "./load-config.ts";

describe("loadConfig", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "anomaly-writer-load-"));
    writeFileSync(join(dir, "good.yml"), "writer:\n  datasource_url: %{URL}\n  bearer_token_file: token\n");
    writeFileSync(join(dir, "token"), "abc\n");
    writeFileSync(
      join(dir, "bad.yml"),
      "writer:\n  datasource_url: http://vm:8428\n  tenant_id: nope\n  timeout: soon\n",
    );
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it("reads the file (relative to cwd) and records its absolute path", async () => {
    const config = await loadConfig("good.yml", { cwd: dir, env: { URL: "http://vm:8428" } });
    expect(config.source.path).toBe(join(dir, "good.yml"));
    expect(config.writer.datasourceUrl).toBe("http://vm:8428");
    expect(config.writer.bearerTokenFile).toBe(join(dir, "token"));
  });

  it("names the file in every message", async () => {
    const file = join(dir, "bad.yml");
    const error = await loadConfig(file).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    const lines = (error as ConfigError).message.split("\n");
    expect(lines).toEqual([
      "[config] 2 problems in the config:",
      expect.stringMatching(new RegExp(`^${file}:3:14 writer\\.tenant_id: "nope" is not a tenant`)),
      expect.stringMatching(new RegExp(`^${file}:4:12 writer\\.timeout: "soon" is not a duration`)),
    ]);
  });

  it("a missing file is a ConfigError naming it", async () => {
    const file = join(dir, "missing.yml");
    await expect(loadConfig(file)).rejects.toThrow(`[config] ${file}: the config file does not exist`);
  });

  it("a directory is a ConfigError naming it", async () => {
    await expect(loadConfig(dir)).rejects.toThrow(`[config] ${dir}: the config file is a directory`);
  });
});
