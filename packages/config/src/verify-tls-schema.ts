import { resolve } from "node:path";
import { fileContentProblem } from "./file-content-problem.ts";
import { fileProblem } from "./file-path-schema.ts";
import { describeValue, scalarField } from "./scalar-field.ts";
import type { SchemaContext } from "./schema-context.ts";

/** `verify_tls`: a boolean, the strings "true"/"false" (any case), or a CA bundle path (resolved; checked to hold a CA certificate). */
export function createVerifyTlsSchema(context: SchemaContext) {
  return scalarField((value, report): boolean | string => {
    if (typeof value === "boolean") return value;
    if (typeof value !== "string") {
      report(`must be true, false or the path of a CA bundle file, got ${describeValue(value)}`);
      return true;
    }
    const text = value.trim().toLowerCase();
    if (text === "true") return true;
    if (text === "false") return false;
    const path = resolve(context.cwd, value);
    const problem = context.checkFiles ? (fileProblem(path) ?? fileContentProblem(path, "ca-bundle")) : undefined;
    if (problem !== undefined) report(`CA bundle: ${problem}`);
    return path;
  });
}
