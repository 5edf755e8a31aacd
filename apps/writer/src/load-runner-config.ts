import { ConfigError, loadConfig, type ResolvedConfig } from "@anomaly-writer/config";
import type { ConsolaInstance } from "consola";
import { UsageError } from "./exit-codes.ts";

/** Load the config file, log its warnings, and turn config errors into a UsageError. */
export async function loadRunnerConfig(path: string | undefined, env: Record<string, string | undefined>, logger: ConsolaInstance): Promise<ResolvedConfig> {
  if (!path) throw new UsageError("a config file is required: -c CONFIG");
  try {
    const config = await loadConfig(path, { env });
    for (const warning of config.warnings) logger.warn(warning.message);
    return config;
  } catch (error) {
    if (error instanceof ConfigError) throw new UsageError(error.message);
    throw error;
  }
}
