import type { KeyPath } from "./parse-yaml.ts";
import { describeValue, scalarField } from "./scalar-field.ts";
import type { SchemaContext } from "./schema-context.ts";

/**
 * A bearer token: a string with something in it besides whitespace. Surrounding whitespace is
 * removed afterwards by `resolveToken`, with a warning. Messages never show the value.
 */
export const TokenSchema = scalarField((value, report): string => {
  if (typeof value !== "string") {
    report(`must be a string, got ${describeValue(value)}${typeof value === "number" ? " (quote it)" : ""}`);
    return "";
  }
  if (value.trim() === "") report("holds only whitespace: set a token, or leave the key out");
  return value;
});

/** The token at `path` without surrounding whitespace (a token never holds any); warns when there was some. */
export function resolveToken(token: string, context: SchemaContext, path: KeyPath): string {
  const trimmed = token.trim();
  if (trimmed !== token) {
    context.warn({
      path,
      kind: "surrounding-whitespace",
      message:
        "has surrounding whitespace (spaces, tabs or line breaks); it was removed, since a token never holds any",
    });
  }
  return trimmed;
}

/** Warns when the password at `path` has surrounding whitespace; it is kept as written (a password may hold spaces). */
export function warnAboutPasswordWhitespace(password: string, context: SchemaContext, path: KeyPath): void {
  if (password.trim() === password) return;
  context.warn({
    path,
    kind: "surrounding-whitespace",
    message:
      "has surrounding whitespace (spaces, tabs or line breaks); it is kept as written, since a password may hold spaces, but it is most likely a mistake",
  });
}
