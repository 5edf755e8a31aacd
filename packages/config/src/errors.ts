/** One problem found in a config: the dotted key path, where it is in the file, and what is wrong. */
export interface ConfigIssue {
  /** Dotted key path such as `writer.tenant_id` or `monitoring.push.url`; `""` for the whole document. */
  readonly path: string;
  readonly message: string;
  /** 1-based line in the text as the user wrote it (before `%{ENV}` expansion). */
  readonly line?: number;
  /** 1-based column in the text as the user wrote it. */
  readonly column?: number;
  /** The config file, when known (`loadConfig`, or `options.path`). */
  readonly file?: string;
  /**
   * Set when the key at `path` is missing (it has no position of its own, so `line`/`column` are
   * unset): the mapping it belongs in, `""` for the top level, with that mapping's key position.
   */
  readonly missingIn?: { readonly path: string; readonly line?: number; readonly column?: number };
}

/** What a warning is about; stable strings a caller may filter on. */
export type ConfigWarningKind =
  | "unknown-key"
  | "deprecated"
  | "tenant-path-doubled"
  | "insert-path-without-tenant"
  | "password-without-user"
  | "surrounding-whitespace"
  | "yaml";

/** Something accepted but doubtful: an unknown key, a deprecated key, a probable mistake. */
export interface ConfigWarning extends ConfigIssue {
  readonly kind: ConfigWarningKind;
}

/**
 * Formats an issue or warning as one line: `file:line:col path: message`, or without a file
 * `path (line l:c): message`. A missing key has no position: `file path (missing; in parent at l:c): message`.
 */
export function formatConfigIssue(issue: ConfigIssue): string {
  const where = issue.line !== undefined && issue.column !== undefined ? `${issue.line}:${issue.column}` : undefined;
  const missing = issue.missingIn === undefined ? undefined : `missing; ${describeParent(issue.missingIn)}`;
  if (issue.file !== undefined) {
    const location = where === undefined ? issue.file : `${issue.file}:${where}`;
    if (issue.path === "") return `${location}: ${issue.message}`;
    return `${location} ${issue.path}${missing === undefined ? "" : ` (${missing})`}: ${issue.message}`;
  }
  const subject = issue.path;
  if (missing !== undefined && subject !== "") return `${subject} (${missing}): ${issue.message}`;
  if (where === undefined) return subject === "" ? issue.message : `${subject}: ${issue.message}`;
  return subject === "" ? `line ${where}: ${issue.message}` : `${subject} (line ${where}): ${issue.message}`;
}

function describeParent(parent: NonNullable<ConfigIssue["missingIn"]>): string {
  if (parent.path === "") return "at the top level";
  const at = parent.line !== undefined && parent.column !== undefined ? ` at ${parent.line}:${parent.column}` : "";
  return `in ${parent.path}${at}`;
}

/** Raised by `parseConfig` / `loadConfig` / `parseDuration`: lists every problem, never a secret. */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
  readonly code = "CONFIG_INVALID";
  readonly issues: readonly ConfigIssue[];
  readonly warnings: readonly ConfigWarning[];

  constructor(issues: readonly ConfigIssue[], options?: { cause?: unknown; warnings?: readonly ConfigWarning[] }) {
    const lines = issues.map(formatConfigIssue);
    super(
      lines.length === 1
        ? `[config] ${lines[0]}`
        : `[config] ${lines.length} problems in the config:\n${lines.join("\n")}`,
      options,
    );
    this.issues = issues;
    this.warnings = options?.warnings ?? [];
  }
}
