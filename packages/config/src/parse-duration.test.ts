import { describe, expect, it } from "vitest";
import { ConfigError } from "./errors.ts";
import { parseDuration } from "./parse-duration.ts";

describe("parseDuration", () => {
  it.each([
    ["500ms", 500],
    ["5s", 5000],
    ["1m", 60_000],
    ["1h", 3_600_000],
    ["1h30m", 5_400_000],
    ["1d", 86_400_000],
    ["1w", 604_800_000],
    ["1.5s", 1500],
    [".5s", 500],
    ["1m30s500ms", 90_500],
    ["2h0m", 7_200_000],
    [" 15m ", 900_000],
    ["30", 30_000],
    ["0s", 0],
  ])("%j → %d ms", (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it("takes a number of seconds", () => {
    expect(parseDuration(2.5)).toBe(2500);
  });

  it.each(["", "abc", "5x", "s", "1h 30m", "-1s", "1M", "1.2.3s", "5sec", "PT1H", "1e3s"])(
    "rejects %j with a ConfigError that names the accepted forms",
    (text) => {
      expect(() => parseDuration(text)).toThrow(ConfigError);
      expect(() => parseDuration(text)).toThrow(/500ms, 5s, 1m, 1h30m/);
    },
  );

  it("rejects a negative or non-finite number", () => {
    expect(() => parseDuration(-1)).toThrow(ConfigError);
    expect(() => parseDuration(Number.NaN)).toThrow(ConfigError);
  });
});
