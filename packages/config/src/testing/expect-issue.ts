import { expect } from "vitest";
import type { ConfigIssue } from "../errors.ts";
import { ConfigError } from "../errors.ts";
import { type ParseConfigOptions, parseConfig } from "../parse-config.ts";
import { positionOf } from "./position-of.ts";

/** Where to expect an issue: the `occurrence`-th `needle` in the fixture. */
export interface Expected {
  readonly path: string;
  readonly needle: string;
  readonly occurrence?: number;
  /** Text the message must contain. */
  readonly message?: string | RegExp;
  /** For a missing key: the mapping it belongs in; `needle` is then that mapping's key. */
  readonly missingIn?: string;
}

/** Parses `text`, expects a ConfigError, and checks that it has each expected issue at its position. */
export function expectIssues(
  text: string,
  expected: readonly Expected[],
  options: ParseConfigOptions = {},
): ConfigError {
  let error: unknown;
  try {
    parseConfig(text, { checkFiles: false, ...options });
  } catch (caught) {
    error = caught;
  }
  expect(error).toBeInstanceOf(ConfigError);
  const configError = error as ConfigError;
  for (const e of expected) {
    const position = positionOf(text, e.needle, e.occurrence);
    const issue = configError.issues.find((i: ConfigIssue) => i.path === e.path);
    expect(issue, `no issue on ${e.path} in:\n${configError.message}`).toBeDefined();
    if (e.missingIn === undefined) {
      expect({ line: issue?.line, column: issue?.column }, `${e.path}: ${issue?.message}`).toEqual({
        line: position.line,
        column: position.column,
      });
      const line =
        options.path === undefined ? `${e.path} (line ${position.at}): ` : `${options.path}:${position.at} ${e.path}: `;
      expect(configError.message).toContain(line);
    } else {
      expect(
        { line: issue?.line, column: issue?.column, missingIn: issue?.missingIn },
        `${e.path}: ${issue?.message}`,
      ).toEqual({
        line: undefined,
        column: undefined,
        missingIn: { path: e.missingIn, line: position.line, column: position.column },
      });
      const where = `${e.path} (missing; in ${e.missingIn} at ${position.at}): `;
      expect(configError.message).toContain(options.path === undefined ? where : `${options.path} ${where}`);
    }
    if (typeof e.message === "string") expect(issue?.message).toContain(e.message);
    else if (e.message) expect(issue?.message).toMatch(e.message);
  }
  return configError;
}
