import { redactConfig } from "@anomaly-writer/config";
import { createVmWriter } from "@anomaly-writer/writer";
import type { ConsolaInstance } from "consola";
import { stringify } from "yaml";
import { EXIT_OK, EXIT_PARTIAL } from "../exit-codes.ts";
import { loadRunnerConfig } from "../load-runner-config.ts";

export interface RunCheckOptions {
  config: string | undefined;
  env: Record<string, string | undefined>;
  logger: ConsolaInstance;
  print: (text: string) => void;
}

/**
 * `anomaly-writer check`: validate the config, print it resolved with secrets redacted, probe the
 * health path and the import URL, and say precisely what is wrong.
 */
export async function runCheck(options: RunCheckOptions): Promise<number> {
  const { logger, print } = options;
  const config = await loadRunnerConfig(options.config, options.env, logger);
  const { warnings: _warnings, ...shown } = redactConfig(config);
  print(`# resolved config (secrets redacted)\n${stringify(shown).trimEnd()}\n`);
  const writer = createVmWriter(config, { logger });
  try {
    const { health, write } = await writer.probe();
    print(`health ${health.ok ? "ok  " : "FAIL"}  ${health.url}  ${health.reason}`);
    print(`write  ${write.ok ? "ok  " : "FAIL"}  ${write.url}  ${write.reason}`);
    return health.ok && write.ok ? EXIT_OK : EXIT_PARTIAL;
  } finally {
    await writer.close();
  }
}
