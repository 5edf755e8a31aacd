import { resolve } from "node:path";
import * as v from "valibot";
import { LineCounter } from "yaml";
import { collectUnknownKeys } from "./collect-unknown-keys.ts";
import { createConfigSchema, type ResolvedSections } from "./config-schema.ts";
import { ConfigError, type ConfigIssue, type ConfigWarning } from "./errors.ts";
import { expandEnv, type Placeholder } from "./expand-env.ts";
import { type KeyPath, type Location, parseYaml } from "./parse-yaml.ts";
import { isSecretKey } from "./redact-config.ts";
import type { PendingWarning, SchemaContext } from "./schema-context.ts";

/** Options of `parseConfig` / `safeParseConfig`. */
export interface ParseConfigOptions {
  /** Variables for `%{NAME}` placeholders; default `{}` (the package never reads `process.env`). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Directory that relative file paths in the config resolve against; default `process.cwd()`. */
  readonly cwd?: string;
  /** Check that files named by the config exist and are readable; default true. */
  readonly checkFiles?: boolean;
  /** The config file's path, for messages and `config.source.path`. */
  readonly path?: string;
}

/** The validated config with every default applied. */
export interface ResolvedConfig extends ResolvedSections {
  readonly warnings: readonly ConfigWarning[];
  readonly source: { readonly path?: string };
}

/** Result of `safeParseConfig`. */
export type SafeParseConfigResult =
  | { readonly success: true; readonly config: ResolvedConfig; readonly warnings: readonly ConfigWarning[] }
  | { readonly success: false; readonly issues: readonly ConfigIssue[]; readonly warnings: readonly ConfigWarning[] };

/** Parses and validates a vmanomaly-compatible YAML config; throws `ConfigError` listing every problem. */
export function parseConfig(yamlText: string, options: ParseConfigOptions = {}): ResolvedConfig {
  const result = safeParseConfig(yamlText, options);
  if (result.success) return result.config;
  throw new ConfigError(result.issues, { warnings: result.warnings });
}

/** Like `parseConfig`, but returns the problems instead of throwing. Never throws. */
export function safeParseConfig(yamlText: string, options: ParseConfigOptions = {}): SafeParseConfigResult {
  const file = options.path;
  try {
    if (typeof yamlText !== "string") {
      return failure([{ path: "", message: `the config must be text, got ${typeof yamlText}` }], file);
    }
    return analyse(yamlText, options);
  } catch (error) {
    // A safety net: a bug here must still come out as a config problem, not a crash.
    const reason = error instanceof Error ? error.message : String(error);
    return failure([{ path: "", message: `the config could not be processed: ${reason}` }], file);
  }
}

function failure(issues: ConfigIssue[], file: string | undefined): SafeParseConfigResult {
  return {
    success: false,
    issues: issues.map((issue) => (file === undefined ? issue : { ...issue, file })),
    warnings: [],
  };
}

interface Found {
  readonly path: KeyPath;
  readonly message: string;
  /** Offset in the original text. */
  readonly at: number | undefined;
  /** For a missing key: the mapping it belongs in and that mapping's offset in the original text. */
  readonly missingIn?: { readonly path: KeyPath; readonly at: number | undefined };
}

function analyse(text: string, options: ParseConfigOptions): SafeParseConfigResult {
  const file = options.path;
  const expanded = expandEnv(text, options.env ?? {});
  const unresolved = expanded.placeholders.filter((p) => p.value === undefined);
  const yaml = parseYaml(expanded.text);

  const problems: Found[] = [];
  const pending: Array<{ warning: PendingWarning; at: number | undefined }> = [];
  const original = (expandedOffset: number) => expanded.toOriginalOffset(expandedOffset);

  for (const p of unresolved) {
    problems.push({
      path: yaml.pathAt(p.expandedStart),
      message: `environment variable ${p.name} is not set (%{${p.name}} cannot be expanded)`,
      at: p.start,
    });
  }
  for (const e of yaml.errors) {
    const inside = expanded.placeholders.find((p) => e.offset >= p.expandedStart && e.offset < p.expandedEnd);
    const hint = inside === undefined ? "" : ` (in the value of %{${inside.name}})`;
    problems.push({ path: [], message: `YAML syntax error: ${e.message}${hint}`, at: original(e.offset) });
  }
  for (const w of yaml.warnings) {
    pending.push({ warning: { path: [], kind: "yaml", message: `YAML: ${w.message}` }, at: original(w.offset) });
  }

  let sections: ResolvedSections | undefined;
  if (yaml.errors.length === 0) {
    if (yaml.value === null || yaml.value === undefined) {
      problems.push({ path: [], message: "the config is empty: it needs a writer: section", at: 0 });
    } else {
      const warnings: PendingWarning[] = [];
      const context: SchemaContext = {
        cwd: resolve(options.cwd ?? process.cwd()),
        checkFiles: options.checkFiles ?? true,
        warn: (warning) => warnings.push(warning),
      };
      const schema = createConfigSchema(context);
      const result = v.safeParse(schema, yaml.value);
      for (const unknown of collectUnknownKeys(schema, yaml.value)) {
        if (!unknown.isError) warnings.push(unknown);
        else
          problems.push({
            path: unknown.path,
            message: unknown.message,
            at: original(yaml.locate(unknown.path, true).offset),
          });
      }
      if (result.success) sections = result.output;
      for (const issue of result.issues ?? []) {
        const path = issue.path?.map((item) => item.key as string | number) ?? [];
        const location = yaml.locate(path, issue.path?.at(-1)?.origin === "key");
        if (touchesPlaceholder(location, unresolved)) continue;
        if (location.found === undefined)
          problems.push({ path, message: issue.message, at: original(location.offset) });
        else
          problems.push({
            path,
            message: issue.message,
            at: undefined,
            missingIn: { path: location.found, at: original(location.offset) },
          });
      }
      for (const warning of warnings) {
        pending.push({ warning, at: original(yaml.locate(warning.path, warning.preferKey ?? false).offset) });
      }
    }
  }

  // Never show an expanded secret: values of placeholders under a secret key (or, when the YAML
  // did not parse, of every placeholder) are put back as %{NAME} in every message.
  const secrets = expanded.placeholders.filter((p) => {
    if (p.value === undefined || p.value.length < 3) return false;
    if (yaml.errors.length > 0) return true;
    const last = yaml.pathAt(p.expandedStart).at(-1);
    return typeof last === "string" && isSecretKey(last);
  });
  const scrub = (message: string) => secrets.reduce((out, p) => out.split(p.value ?? "").join(`%{${p.name}}`), message);

  const lines = lineCounter(text);
  const position = (at: number | undefined) => {
    const found = at === undefined ? undefined : lines.linePos(at);
    return found === undefined ? {} : { line: found.line, column: found.col };
  };
  const place = (
    path: KeyPath,
    message: string,
    at: number | undefined,
    missingIn?: Found["missingIn"],
  ): ConfigIssue => ({
    path: path.map(String).join("."),
    message: scrub(message),
    ...position(at),
    ...(file !== undefined && { file }),
    ...(missingIn !== undefined && {
      missingIn: {
        path: missingIn.path.map(String).join("."),
        ...(missingIn.path.length > 0 && position(missingIn.at)),
      },
    }),
  });
  const issues = sortByPosition(unique(problems.map((p) => place(p.path, p.message, p.at, p.missingIn))));
  const warnings = sortByPosition(
    pending.map(
      ({ warning, at }): ConfigWarning => ({ ...place(warning.path, warning.message, at), kind: warning.kind }),
    ),
  );

  if (issues.length > 0 || sections === undefined) {
    return { success: false, issues: issues.length > 0 ? issues : [place([], "the config is invalid", 0)], warnings };
  }
  const config: ResolvedConfig = { ...sections, warnings, source: file === undefined ? {} : { path: file } };
  return { success: true, config, warnings };
}

/** An issue on a value that came from an unset variable is a consequence of that; report the variable only. */
function touchesPlaceholder(location: Location, unresolved: readonly Placeholder[]): boolean {
  return unresolved.some((p) => {
    if (location.offset >= p.expandedStart && location.offset < p.expandedEnd) return true;
    const range = location.valueRange;
    return range !== undefined && p.expandedStart < range[1] && p.expandedEnd > range[0];
  });
}

function lineCounter(text: string): LineCounter {
  const counter = new LineCounter();
  counter.addNewLine(0);
  for (let i = text.indexOf("\n"); i !== -1; i = text.indexOf("\n", i + 1)) counter.addNewLine(i + 1);
  return counter;
}

function unique(list: ConfigIssue[]): ConfigIssue[] {
  const seen = new Set<string>();
  return list.filter((issue) => {
    const key = JSON.stringify([issue.path, issue.message, issue.line, issue.column]);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function sortByPosition<T extends ConfigIssue>(list: T[]): T[] {
  const key = (issue: ConfigIssue) =>
    (issue.line ?? issue.missingIn?.line ?? Number.MAX_SAFE_INTEGER) * 1e6 +
    (issue.column ?? issue.missingIn?.column ?? 0);
  return list
    .map((issue, index) => ({ issue, index }))
    .sort((a, b) => key(a.issue) - key(b.issue) || a.index - b.index)
    .map(({ issue }) => issue);
}
