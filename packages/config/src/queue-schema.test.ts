import { describe, expect, it } from "vitest";
import { ConfigError, parseConfig } from "./index.ts";

const yaml = (queue: string) => `writer:\n  datasource_url: http://vm:8428\n  queue:\n${queue}`;
const problems = (text: string) => {
  try {
    parseConfig(text, { cwd: "/srv/aw" });
  } catch (error) {
    if (error instanceof ConfigError) return error.message;
    throw error;
  }
  return "";
};

describe("writer.queue", () => {
  it("resolves paths against cwd and fills the defaults", () => {
    const config = parseConfig(yaml("    path: data/queue\n"), { cwd: "/srv/aw" });
    expect(config.writer.queue).toEqual({
      path: "/srv/aw/data/queue",
      maxBytes: 1024 ** 3,
      rateLimitBytesPerSecond: 0,
      deadLetterFile: "/srv/aw/data/queue/dead-letters.jsonl",
      fsync: true,
      replayWindowMs: 30_000,
    });
  });

  it("takes sizes, a rate limit, a dead-letter file and fsync", () => {
    const config = parseConfig(
      yaml(
        '    path: /q\n    max_size: 256MiB\n    rate_limit: "2MiB"\n    dead_letter_file: /var/log/dead.jsonl\n    fsync: false\n    replay_window: 1m\n',
      ),
    );
    expect(config.writer.queue).toEqual({
      path: "/q",
      maxBytes: 256 * 1024 ** 2,
      rateLimitBytesPerSecond: 2 * 1024 ** 2,
      deadLetterFile: "/var/log/dead.jsonl",
      fsync: false,
      replayWindowMs: 60_000,
    });
    expect(parseConfig(yaml("    path: /q\n    replay_window: 0\n")).writer.queue?.replayWindowMs).toBe(0);
  });

  it("is absent unless configured", () => {
    expect(parseConfig("writer:\n  datasource_url: http://vm:8428\n").writer.queue).toBeUndefined();
  });

  it("reports a missing path, a bad size and a bad fsync with key path and position", () => {
    const message = problems(yaml("    max_size: lots\n    fsync: maybe\n    replay_window: soon\n"));
    expect(message).toContain("writer.queue.replay_window (line 6:20)");
    expect(message).toContain(
      "writer.queue.path (missing; in writer.queue at 3:3): is required when writer.queue is present",
    );
    expect(message).toContain("writer.queue.max_size (line 4:15)");
    expect(message).toContain("writer.queue.fsync (line 5:12): must be true or false");
  });

  it("warns about unknown keys with a suggestion", () => {
    const config = parseConfig(yaml("    path: /q\n    max_sise: 1GiB\n"));
    const warning = config.warnings.find((w) => w.path === "writer.queue.max_sise");
    expect(warning?.message).toContain("Did you mean `max_size`?");
  });
});
