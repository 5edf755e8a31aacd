import { unwatchFile, watchFile } from "node:fs";
import { ConfigError, formatConfigIssue, loadConfig, type ResolvedConfig } from "@anomaly-writer/config";
import { registerCounter, registerGauge } from "@anomaly-writer/healthcheck";
import { type IngestServer, resolveIngestServerOptions } from "@anomaly-writer/ingest-server";
import { createVmWriter, type VmWriter } from "@anomaly-writer/writer";
import type { ConsolaInstance } from "consola";

/** What a reload works on: the running config, writer and server. */
export interface ConfigReloaderOptions {
  readonly path: string;
  readonly env: Record<string, string | undefined>;
  readonly logger: ConsolaInstance;
  readonly ingest: IngestServer;
  config: ResolvedConfig;
  writer: VmWriter;
}

/** Reloads the config file of `serve` on demand (SIGHUP) or when it changes (`--watch`). */
export interface ConfigReloader {
  /** Load the file again and apply it; a broken file is refused (logged with key and line) and the running config stays. Never rejects. */
  reload(reason: string): Promise<boolean>;
  /** The writer in use now (a reload that changes the writer section replaces it). */
  writer(): VmWriter;
  /** Poll the file (every `intervalMs`) and reload when it changed. */
  watch(intervalMs?: number): void;
  stop(): void;
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** Create the reloader; its metrics go into the writer's registry. */
export function createConfigReloader(state: ConfigReloaderOptions): ConfigReloader {
  const { logger } = state;
  const registry = state.writer.metrics.registry;
  const reloads = registerCounter(registry, {
    name: "anomaly_writer_config_reloads_total",
    help: "Config reloads tried (SIGHUP or --watch).",
  });
  const errors = registerCounter(registry, {
    name: "anomaly_writer_config_reload_errors_total",
    help: "Config reloads refused: the file was broken or could not be applied; the running config stays.",
  });
  const lastOk = registerGauge(registry, {
    name: "anomaly_writer_config_last_reload_successful",
    help: "1 when the last config reload was applied (or none was tried), 0 when it was refused.",
  });
  const lastOkAt = registerGauge(registry, {
    name: "anomaly_writer_config_last_reload_success_timestamp_seconds",
    help: "Unix time of the last applied config (start or reload).",
  });
  reloads.inc(0);
  errors.inc(0);
  lastOk.set(1);
  lastOkAt.set(Date.now() / 1000);
  let running: Promise<boolean> = Promise.resolve(true);

  /** Close the old writer (its queue is released) and open the new one; when it cannot start, open the old config's again. */
  const replaceWriter = async (next: ResolvedConfig): Promise<{ writer: VmWriter; error?: unknown }> => {
    const metrics = state.writer.metrics;
    await state.writer.close();
    const fresh = createVmWriter(next, { logger, metrics });
    try {
      await fresh.ready();
      state.writer = fresh;
      return { writer: fresh };
    } catch (error) {
      await fresh.close();
      state.writer = createVmWriter(state.config, { logger, metrics });
      await state.writer.ready().catch(() => undefined);
      return { writer: state.writer, error };
    }
  };

  const apply = async (reason: string): Promise<boolean> => {
    reloads.inc();
    let next: ResolvedConfig;
    try {
      next = await loadConfig(state.path, { env: state.env });
    } catch (error) {
      errors.inc();
      lastOk.set(0);
      if (!(error instanceof ConfigError)) throw error;
      logger.error(`config reload (${reason}) refused; the running config stays:\n${error.message}`);
      return false;
    }
    for (const warning of next.warnings) logger.warn(formatConfigIssue(warning));
    if (!same(next.ingestServer.listen, state.config.ingestServer.listen))
      logger.warn("config reload: ingest_server.listen changed; it applies at the next start of serve");
    const writerChanged = !same(next.writer, state.config.writer) || !same(next.queryKeys, state.config.queryKeys);
    try {
      await state.ingest.reconfigure({
        options: resolveIngestServerOptions(next.ingestServer),
        ...(writerChanged ? { replaceWriter: () => replaceWriter(next) } : {}),
      });
    } catch (error) {
      errors.inc();
      lastOk.set(0);
      logger.error(
        `config reload (${reason}) could not be applied; the running config stays: ${error instanceof Error ? error.message : String(error)}`,
      );
      return false;
    }
    state.config = next;
    lastOk.set(1);
    lastOkAt.set(Date.now() / 1000);
    logger.info(`config reloaded (${reason})${writerChanged ? ": new writer settings" : ""}; later requests use it`);
    return true;
  };

  let watching = false;
  return {
    writer: () => state.writer,
    reload(reason) {
      // One reload at a time, in the order asked.
      running = running
        .then(() => apply(reason))
        .catch((error: unknown) => {
          logger.error(`config reload (${reason}) failed: ${error instanceof Error ? error.message : String(error)}`);
          return false;
        });
      return running;
    },
    watch(intervalMs = 1000) {
      watching = true;
      watchFile(state.path, { interval: intervalMs }, (current, previous) => {
        if (current.mtimeMs !== previous.mtimeMs || current.size !== previous.size || current.ino !== previous.ino)
          void this.reload("the file changed");
      });
    },
    stop() {
      if (watching) unwatchFile(state.path);
    },
  };
}
