import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { ConfigError } from "./errors.ts";
import { type ParseConfigOptions, parseConfig, type ResolvedConfig } from "./parse-config.ts";

/** Options of `loadConfig`: those of `parseConfig` but the path, which is the file's. */
export type LoadConfigOptions = Omit<ParseConfigOptions, "path">;

/**
 * Reads a config file (a relative `path` resolves against `options.cwd`) and parses it; every
 * message names the file, and `config.source.path` is its absolute path. Throws `ConfigError`.
 */
export async function loadConfig(path: string, options: LoadConfigOptions = {}): Promise<ResolvedConfig> {
  const file = resolve(options.cwd ?? process.cwd(), path);
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason =
      code === "ENOENT"
        ? "does not exist"
        : code === "EACCES"
          ? "is not readable (permission denied)"
          : code === "EISDIR"
            ? "is a directory"
            : `cannot be read (${code ?? String(error)})`;
    throw new ConfigError([{ path: "", file, message: `the config file ${reason}` }], { cause: error });
  }
  return parseConfig(text, { ...options, path: file });
}
