import { createReadStream } from "node:fs";
import { createVmWriter, formatWriteSummary, readJsonLines, type WriteResult } from "@anomaly-writer/writer";
import type { ConsolaInstance } from "consola";
import { EXIT_OK, EXIT_PARTIAL, UsageError } from "../exit-codes.ts";
import { loadRunnerConfig } from "../load-runner-config.ts";

export interface RunWriteOptions {
  config: string | undefined;
  input: string;
  env: Record<string, string | undefined>;
  logger: ConsolaInstance;
  /** Show a progress line (stderr is a TTY). */
  progress: boolean;
}

/** `anomaly-writer write`: JSON lines from a file or stdin into VictoriaMetrics. */
export async function runWrite(options: RunWriteOptions): Promise<number> {
  const { logger } = options;
  const config = await loadRunnerConfig(options.config, options.env, logger);
  const source = options.input === "-" ? process.stdin : createReadStream(options.input);
  if (options.input !== "-") {
    await new Promise<void>((resolve, reject) => {
      source.once("readable", resolve);
      source.once("error", (error: NodeJS.ErrnoException) =>
        reject(
          new UsageError(
            `cannot read input ${options.input}: ${error.code === "ENOENT" ? "no such file" : error.message}`,
          ),
        ),
      );
    });
  }
  let lastDraw = 0;
  const writer = createVmWriter(config, {
    logger,
    // With the durable queue, records go to disk first; what is sent is drained below.
    backgroundSender: false,
    ...(options.progress
      ? {
          onProgress: (p) => {
            const now = Date.now();
            if (now - lastDraw < 200) return;
            lastDraw = now;
            process.stderr.write(`\r  ${p.requests} requests, ${p.datapoints} datapoints written...`);
          },
        }
      : {}),
  });
  let result: WriteResult;
  let drained: { sent: number; remaining: number; remainingBytes: number } | undefined;
  try {
    await writer.ready();
    result = await writer.write(readJsonLines(source, options.input === "-" ? {} : { label: `${options.input} line` }));
    if (writer.queued) drained = await writer.drainQueue();
  } finally {
    if (options.progress) process.stderr.write("\r\x1b[K");
    await writer.close();
  }
  // The writer has logged the refused records: the first five with their reasons, and how many more.
  const queue = config.writer.queue;
  if (queue && drained) {
    if (drained.remaining === 0)
      logger.info(`durable queue ${queue.path}: sent ${drained.sent} entries, nothing left queued`);
    else {
      logger.warn(
        `durable queue ${queue.path}: sent ${drained.sent} entries; ${drained.remaining} entries (${drained.remainingBytes} bytes) could not be sent now and stay queued for the next run`,
      );
    }
  }
  const summary = formatWriteSummary(result);
  if (result.ok) logger.success(summary);
  else logger.warn(summary);
  return result.ok ? EXIT_OK : EXIT_PARTIAL;
}
