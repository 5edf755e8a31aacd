import type { WriterConfig } from "@anomaly-writer/config";
import type { AttemptInfo, Transport } from "@anomaly-writer/transport";
import { WriterError } from "../errors.ts";
import { createFileOutputSink } from "./create-file-output-sink.ts";
import { createNoopSink } from "./create-noop-sink.ts";
import { createRemoteWriteSink } from "./create-remote-write-sink.ts";
import { createVmSink } from "./create-vm-sink.ts";
import type { Sink } from "./sink.ts";

/** What every sink may need besides the `writer:` section. */
export interface CreateSinkOptions {
  /** A transport to use instead of one made from the config (HTTP sinks; not closed by close()). */
  readonly transport?: Transport;
  readonly gzip?: boolean;
  /** Requests in flight at once (remote_write and file keep 1). */
  readonly maxInFlight: number;
  /** Every attempt of a write request (HTTP sinks). */
  readonly onAttempt: (info: AttemptInfo) => void;
}

/** The one place where `writer.class` picks the sink. */
export function createSink(writer: WriterConfig, options: CreateSinkOptions): Sink {
  const http = {
    writer,
    onAttempt: options.onAttempt,
    ...(options.transport !== undefined ? { transport: options.transport } : {}),
    ...(options.gzip ? { gzip: true } : {}),
  };
  switch (writer.class) {
    case "vm":
    case "remote_write":
      if (!writer.datasourceUrl)
        throw new WriterError("WRITER_CONFIG", `writer.datasource_url is required for class ${writer.class}`);
      return writer.class === "vm" ? createVmSink(http, options.maxInFlight) : createRemoteWriteSink(http);
    case "file":
      if (!writer.file) throw new WriterError("WRITER_CONFIG", "writer.file.path is required for class file");
      return createFileOutputSink(writer.file);
    case "noop":
      return createNoopSink();
  }
}
