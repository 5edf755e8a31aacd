import { accessSync, constants, statSync } from "node:fs";
import { resolve } from "node:path";
import { type FileContent, fileContentProblem } from "./file-content-problem.ts";
import { describeValue, scalarField } from "./scalar-field.ts";
import type { SchemaContext } from "./schema-context.ts";

/** Why `path` is not a readable file, or undefined when it is. */
export function fileProblem(path: string): string | undefined {
  try {
    if (statSync(path).isDirectory()) return `${path} is a directory, not a file`;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return `file ${path} does not exist`;
    if (code === "EACCES") return `file ${path} is not readable (permission denied)`;
    return `file ${path} cannot be read (${code ?? "unknown error"})`;
  }
  try {
    accessSync(path, constants.R_OK);
  } catch {
    return `file ${path} is not readable (permission denied)`;
  }
  return undefined;
}

/**
 * A file path, resolved against `context.cwd`. When `context.checkFiles`, the file must exist and
 * be readable, and hold `content` when given (a PEM certificate, a private key, a token...).
 */
export function createFilePathSchema(context: SchemaContext, content?: FileContent) {
  return scalarField((value, report): string => {
    if (typeof value !== "string") {
      report(`must be a file path, got ${describeValue(value)}`);
      return "";
    }
    const path = resolve(context.cwd, value);
    if (!context.checkFiles) return path;
    const problem = fileProblem(path) ?? (content === undefined ? undefined : fileContentProblem(path, content));
    if (problem !== undefined) report(problem);
    return path;
  });
}
