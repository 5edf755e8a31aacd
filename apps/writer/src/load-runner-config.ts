import { ConfigError, formatConfigIssue, loadConfig, type ResolvedConfig } from "@anomaly-writer/config";
import type { ConsolaInstance } from "consola";
import { UsageError } from "./exit-codes.ts";

/**
 * Load the config file, log each warning as `file:line:col key.path: message`, and turn config
 * errors into a UsageError (its message lists every problem in the same form). The warnings of a
 * config that fails are logged too: an unknown key often explains a missing one.
 */
export async function loadRunnerConfig(
  path: string | undefined,
  env: Record<string, string | undefined>,
  logger: ConsolaInstance,
): Promise<ResolvedConfig> {
  if (!path) throw new UsageError("a config file is required: -c CONFIG");
  try {
    const config = await loadConfig(path, { env });
    for (const warning of config.warnings) logger.warn(formatConfigIssue(warning));
    return config;
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    for (const warning of error.warnings) logger.warn(formatConfigIssue(warning));
    throw new UsageError(error.message);
  }
}
