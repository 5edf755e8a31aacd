import type { ConfigWarningKind } from "./errors.ts";
import type { KeyPath } from "./parse-yaml.ts";

/** A warning raised while resolving a section; positions are added later from `path`. */
export interface PendingWarning {
  readonly path: KeyPath;
  readonly kind: ConfigWarningKind;
  readonly message: string;
  /** Point at the key rather than at its value. */
  readonly preferKey?: boolean;
}

/** What the schemas need from the caller: where relative paths start, whether to touch files, where warnings go. */
export interface SchemaContext {
  /** Absolute directory that relative file paths resolve against. */
  readonly cwd: string;
  /** Check that files named by the config exist and are readable. */
  readonly checkFiles: boolean;
  warn(warning: PendingWarning): void;
}
