import { accessSync, constants } from "node:fs";
import { delimiter, isAbsolute, join } from "node:path";
import { LocalServerError } from "./errors.ts";

/**
 * Resolve an executable on PATH (or an absolute path); throw one clear line with the install
 * hint when it is missing.
 */
export function findBinary(name: string, installHint: string, pathEnv = process.env.PATH ?? ""): string {
  const candidates = isAbsolute(name)
    ? [name]
    : [...pathEnv.split(delimiter), "/usr/sbin", "/usr/local/sbin", "/sbin"]
        .filter(Boolean)
        .map((dir) => join(dir, name));
  for (const candidate of candidates) {
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // try the next one
    }
  }
  throw new LocalServerError(
    "LOCAL_VM_BINARY_MISSING",
    `${name} not found on PATH: install it with \`${installHint}\``,
  );
}

/** Like findBinary, but returns undefined instead of throwing. */
export function whichBinary(name: string): string | undefined {
  try {
    return findBinary(name, "");
  } catch {
    return undefined;
  }
}
